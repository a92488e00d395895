hal.executable public @prefill_dispatch_2 {
  hal.executable.variant public @embedded_elf_x86_64 target(<"llvm-cpu", "embedded-elf-x86_64", {cpu = "CPU", native_vector_size = 32 : i64}>) {
    hal.executable.export public @prefill_dispatch_2_matmul_32x128x128_f32 ordinal(0) layout(#hal.pipeline.layout<constants = 2, bindings = [#hal.pipeline.binding<storage_buffer, ReadOnly>, #hal.pipeline.binding<storage_buffer>]>) count(%arg0: !hal.device) -> (index, index, index) {
      %x, %y, %z = iree_tensor_ext.dispatch.workgroup_count_from_slice()
      hal.return %x, %y, %z : index, index, index
    }
    builtin.module {
      func.func @prefill_dispatch_2_matmul_32x128x128_f32() {
        %cst = arith.constant 0.000000e+00 : f32
        %c16384 = arith.constant OFFSET : index
        %0 = hal.interface.constant.load layout(<constants = 2, bindings = [#hal.pipeline.binding<storage_buffer, ReadOnly>, #hal.pipeline.binding<storage_buffer>]>) ordinal(0) : i32
        %1 = arith.index_castui %0 : i32 to index
        %2:1 = util.assume.int 
            %1[<umin = 262656, umax = 262656, udiv = 262656>, <umin = 328192, umax = 328192, udiv = 328192>]
          : index
        %5 = hal.interface.binding.subspan layout(<constants = 2, bindings = [#hal.pipeline.binding<storage_buffer, ReadOnly>, #hal.pipeline.binding<storage_buffer>]>) binding(0) alignment(64) offset(%c16384) flags(ReadOnly) : !iree_tensor_ext.dispatch.tensor<readonly:tensor<32x128xf32>>
        %6 = hal.interface.binding.subspan layout(<constants = 2, bindings = [#hal.pipeline.binding<storage_buffer, ReadOnly>, #hal.pipeline.binding<storage_buffer>]>) binding(0) alignment(64) offset(%2#0) flags(ReadOnly) : !iree_tensor_ext.dispatch.tensor<readonly:tensor<128x128xf32>>
        %7 = hal.interface.binding.subspan layout(<constants = 2, bindings = [#hal.pipeline.binding<storage_buffer, ReadOnly>, #hal.pipeline.binding<storage_buffer>]>) binding(1) alignment(64) offset(%2#0) : !iree_tensor_ext.dispatch.tensor<writeonly:tensor<32x128xf32>>
        %8 = iree_tensor_ext.dispatch.tensor.load %5, offsets = [0, 0], sizes = [32, 128], strides = [1, 1] : !iree_tensor_ext.dispatch.tensor<readonly:tensor<32x128xf32>> -> tensor<32x128xf32>
        %9 = iree_tensor_ext.dispatch.tensor.load %6, offsets = [0, 0], sizes = [128, 128], strides = [1, 1] : !iree_tensor_ext.dispatch.tensor<readonly:tensor<128x128xf32>> -> tensor<128x128xf32>
        %10 = tensor.empty() : tensor<32x128xf32>
        %11 = linalg.fill ins(%cst : f32) outs(%10 : tensor<32x128xf32>) -> tensor<32x128xf32>
        %12 = linalg.matmul ins(%8, %9 : tensor<32x128xf32>, tensor<128x128xf32>) outs(%11 : tensor<32x128xf32>) -> tensor<32x128xf32>
        iree_tensor_ext.dispatch.tensor.store %12, %7, offsets = [0, 0], sizes = [32, 128], strides = [1, 1] : tensor<32x128xf32> -> !iree_tensor_ext.dispatch.tensor<writeonly:tensor<32x128xf32>>
        return
      }
    }
  }
}
