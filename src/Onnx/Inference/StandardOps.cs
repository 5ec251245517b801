namespace Pipelines.Onnx;

/// <summary>
/// The operators of the default ONNX domain (ai.onnx) up to opset <see cref="OnnxModelValidator.MaxStandardOpset"/>,
/// each with the opset that introduced it (onnx/docs/Operators.md). Superset of what <see cref="ShapeInference"/>,
/// the gradient rules and the quantizers know; ops removed from later opsets (Scatter, Upsample) are kept because
/// ONNX Runtime still runs them at the opsets that had them.
/// </summary>
internal static class StandardOps
{
    /// <summary>Op type → the first opset that defines it.</summary>
    public static IReadOnlyDictionary<string, long> SinceVersion { get; } = Build();

    private static Dictionary<string, long> Build()
    {
        var since = new Dictionary<string, long>(StringComparer.Ordinal);
        void Add(long version, params string[] ops)
        {
            foreach (string op in ops)
            {
                since.Add(op, version);
            }
        }

        // LayerNormalization is standard from 17, but ONNX Runtime also registers it in the default domain from opset 1
        // (exporters emitted it before it was standardised), so it is accepted at every opset.
        Add(1,
            "Abs", "Add", "And", "ArgMax", "ArgMin", "AveragePool", "BatchNormalization", "Cast", "Ceil", "Clip", "Concat",
            "Constant", "Conv", "ConvTranspose", "DepthToSpace", "Div", "Dropout", "Elu", "Equal", "Exp", "Flatten", "Floor",
            "GRU", "Gather", "Gemm", "GlobalAveragePool", "GlobalLpPool", "GlobalMaxPool", "Greater", "HardSigmoid", "Hardmax",
            "Identity", "If", "InstanceNormalization", "LRN", "LayerNormalization", "LSTM", "LeakyRelu", "Less", "Log", "LogSoftmax", "Loop",
            "LpNormalization", "LpPool", "MatMul", "Max", "MaxPool", "MaxRoiPool", "Mean", "Min", "Mul", "Neg", "Not", "Or",
            "PRelu", "Pad", "Pow", "RNN", "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Reciprocal",
            "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd",
            "ReduceSum", "ReduceSumSquare", "Relu", "Reshape", "Selu", "Shape", "Sigmoid", "Size", "Slice", "Softmax", "Softplus",
            "Softsign", "SpaceToDepth", "Split", "Sqrt", "Squeeze", "Sub", "Sum", "Tanh", "Tile", "TopK", "Transpose", "Unsqueeze",
            "Xor");
        Add(7, "Acos", "Asin", "Atan", "Cos", "Multinomial", "Sin", "Tan", "Upsample");
        Add(8, "Expand", "Scan");
        Add(9,
            "Acosh", "Asinh", "Atanh", "Compress", "ConstantOfShape", "Cosh", "Erf", "EyeLike", "IsNaN", "MaxUnpool",
            "MeanVarianceNormalization", "NonZero", "OneHot", "Scatter", "Shrink", "Sign", "Sinh", "TfIdfVectorizer", "Where");
        Add(10,
            "ConvInteger", "DequantizeLinear", "IsInf", "MatMulInteger", "Mod", "NonMaxSuppression", "QLinearConv", "QLinearMatMul",
            "QuantizeLinear", "Resize", "ReverseSequence", "RoiAlign", "StringNormalizer", "ThresholdedRelu");
        Add(11,
            "BitShift", "ConcatFromSequence", "CumSum", "Det", "DynamicQuantizeLinear", "GatherElements", "GatherND", "Range", "Round",
            "ScatterElements", "ScatterND", "SequenceAt", "SequenceConstruct", "SequenceEmpty", "SequenceErase", "SequenceInsert",
            "SequenceLength", "SplitToSequence", "Unique");
        Add(12, "Celu", "Einsum", "GreaterOrEqual", "LessOrEqual", "NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss");
        Add(14, "HardSwish", "Trilu");
        Add(15, "Bernoulli", "CastLike", "Optional", "OptionalGetElement", "OptionalHasElement");
        Add(16, "GridSample");
        Add(17, "BlackmanWindow", "DFT", "HammingWindow", "HannWindow", "MelWeightMatrix", "STFT", "SequenceMap");
        Add(18, "BitwiseAnd", "BitwiseNot", "BitwiseOr", "BitwiseXor", "CenterCropPad", "Col2Im", "GroupNormalization", "Mish");
        Add(19, "DeformConv");
        Add(20, "AffineGrid", "Gelu", "ImageDecoder", "RegexFullMatch", "StringConcat", "StringSplit");
        Add(23, "Attention", "RMSNormalization", "RotaryEmbedding");
        return since;
    }
}
