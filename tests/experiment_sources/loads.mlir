        %TABLE = iree_tensor_ext.dispatch.tensor.load %b0, offsets = [0, 0], sizes = [512, 128], strides = [1, 1] : !iree_tensor_ext.dispatch.tensor<readonly:tensor<512x128xf32>> -> tensor<512x128xf32>
        %TOK = iree_tensor_ext.dispatch.tensor.load %b1, offsets = [0], sizes = [32], strides = [1] : !iree_tensor_ext.dispatch.tensor<readonly:tensor<32xi32>> -> tensor<32xi32>
        %IN = iree_tensor_ext.dispatch.tensor.load %b0, offsets = [0, 0], sizes = [32, 128], strides = [1, 1] : !iree_tensor_ext.dispatch.tensor<readonly:tensor<32x128xf32>> -> tensor<32x128xf32>
