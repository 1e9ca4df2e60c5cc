// Default-domain ops a model can keep as they are when its opset rises anywhere in 7..23: their
// later versions (ONNX Changelog.md) only add types, attributes whose defaults keep the old
// behaviour, or optional trailing inputs. Ops neither here nor in opset-upgrade-rules.ts fail
// with unsupported-op; e.g. GroupNormalization-21, RoiAlign-16, GridSample-20 and DFT-20
// changed meaning and are left out on purpose.

/** Ops that need no rewrite between opsets 7 and 23. */
export const STABLE_OPS: ReadonlySet<string> = new Set(
  [
    // Elementwise math and activations: later versions add types (e.g. bfloat16) only.
    'Abs Acos Acosh Add And Asin Asinh Atan Atanh BitShift Ceil Celu Cos Cosh Div Elu Equal Erf',
    'Exp Floor Gelu Greater GreaterOrEqual HardSigmoid HardSwish IsInf IsNaN LeakyRelu Less',
    'LessOrEqual Log Max Mean Min Mish Mod Mul Neg Not Or PRelu Pow Reciprocal Relu Round Selu',
    'Shrink Sigmoid Sign Sin Sinh Softplus Softsign Sqrt Sub Sum Tan Tanh ThresholdedRelu Where Xor',
    'BitwiseAnd BitwiseNot BitwiseOr BitwiseXor',
    // Convolution, pooling, normalization: new attributes (dilations, ceil_mode) default off.
    'AveragePool Conv ConvTranspose GlobalAveragePool GlobalLpPool GlobalMaxPool LpPool MaxPool',
    'MaxRoiPool MaxUnpool InstanceNormalization LRN LayerNormalization LpNormalization',
    'MeanVarianceNormalization',
    // Linear algebra and recurrent layers (LSTM-14's layout defaults to the old one).
    'Gemm MatMul MatMulInteger Einsum Det GRU LSTM RNN',
    // Shape and data movement: Reshape-14 allowzero and Shape-15 start/end default to old rules.
    'Cast CastLike Compress Concat Constant ConstantOfShape CumSum DepthToSpace Expand EyeLike',
    'Flatten Gather GatherElements GatherND Identity NonZero OneHot Range Reshape ReverseSequence',
    'ScatterElements ScatterND Shape Size SpaceToDepth Tile Transpose Trilu Unique',
    'ArgMax ArgMin NonMaxSuppression',
    // Quantization: QuantizeLinear-13's axis applies only to 1-D scales, which 10 lacked.
    'ConvInteger DequantizeLinear DynamicQuantizeLinear QLinearConv QLinearMatMul QuantizeLinear',
    // Control flow (bodies are upgraded recursively), sequences, optionals, random, strings.
    'If Loop SequenceAt SequenceConstruct SequenceEmpty SequenceErase SequenceInsert SequenceLength',
    'SplitToSequence ConcatFromSequence Optional OptionalGetElement OptionalHasElement',
    'Bernoulli Multinomial RandomNormal RandomNormalLike RandomUniform RandomUniformLike',
    'StringNormalizer TfIdfVectorizer RegexFullMatch StringConcat StringSplit',
    // Signal and image ops introduced after opset 13 (no earlier form to convert).
    'AffineGrid BlackmanWindow CenterCropPad Col2Im HammingWindow HannWindow ImageDecoder',
    'MelWeightMatrix STFT Attention RMSNormalization RotaryEmbedding',
  ]
    .join(' ')
    .split(' '),
);
