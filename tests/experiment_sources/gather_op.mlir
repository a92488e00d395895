        %G = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%TOK : tensor<32xi32>) outs(%T : tensor<32x128xf32>) {
        ^bb0(%in: i32, %out: f32):
          %g1 = arith.index_cast %in : i32 to index
          %g2 = arith.minui %g1, %c511 : index
          %g3 = linalg.index 1 : index
          %extracted = tensor.extract %TABLE[%g2, %g3] : tensor<512x128xf32>
          linalg.yield %extracted : f32
        } -> tensor<32x128xf32>
