        %R = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%IN : tensor<32x128xf32>) outs(%F : tensor<32xf32>) {
        ^bb0(%in: f32, %out: f32):
          %a1 = arith.mulf %in, %in : f32
          %a2 = arith.addf %a1, %out : f32
          linalg.yield %a2 : f32
        } -> tensor<32xf32>
        %E = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%IN, %R : tensor<32x128xf32>, tensor<32xf32>) outs(%T : tensor<32x128xf32>) {
        ^bb0(%in: f32, %in_2: f32, %out: f32):
          %b1 = arith.divf %in_2, %cst_0 : f32
          %b2 = arith.mulf %in, %b1 : f32
          linalg.yield %b2 : f32
        } -> tensor<32x128xf32>
