using Pipelines.Onnx;

namespace Pipelines.Trainers.TextClassification;

/// <summary>
/// Extends a text encoder ONNX graph (inputs <c>input_ids</c>, <c>attention_mask</c>, <c>token_type_ids</c>
/// <c>[Batch, Sequence]</c>; output token states <c>[Batch, Sequence, Hidden]</c>) into a sentence classifier:
/// pooling (<see cref="PoolingMode"/>) then a linear head. The result has outputs <see cref="LogitsOutput"/>
/// <c>[Batch, C]</c>, <see cref="ProbabilitiesOutput"/> (softmax) and <see cref="PooledOutput"/> <c>[Batch, Hidden]</c>.
/// </summary>
public static class ClassifierGraph
{
    /// <summary>Output name of the logits <c>[Batch, C]</c>.</summary>
    public const string LogitsOutput = "logits";

    /// <summary>Output name of the class probabilities <c>[Batch, C]</c>.</summary>
    public const string ProbabilitiesOutput = "probabilities";

    /// <summary>Output name of the pooled sentence vectors <c>[Batch, Hidden]</c>.</summary>
    public const string PooledOutput = "pooled";

    /// <summary>Initializer name of the head weight <c>[Hidden, C]</c>.</summary>
    public const string HeadWeight = "classifier.weight";

    /// <summary>Initializer name of the head bias <c>[C]</c>.</summary>
    public const string HeadBias = "classifier.bias";

    /// <summary>Returns a copy of <paramref name="encoder"/> with pooling and a freshly initialised head appended.</summary>
    /// <exception cref="ArgumentException">The encoder lacks the named output or mask input, or the hidden size is unknown.</exception>
    public static OnnxModel AddHead(OnnxModel encoder, ClassifierHeadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        options ??= new ClassifierHeadOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ClassCount, 2);
        int hidden = HiddenSizeOf(encoder, options);
        var rng = new Random(options.Seed);
        float[] w = new float[hidden * options.ClassCount];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = options.InitStd * Gaussian(rng);
        }

        return AddHead(encoder, options, w, new float[options.ClassCount]);
    }

    /// <summary>Returns a copy of <paramref name="encoder"/> with pooling and the given head appended.</summary>
    /// <param name="encoder">The encoder.</param>
    /// <param name="options">Pooling, names and class count.</param>
    /// <param name="weight">Head weight, row-major <c>[Hidden, C]</c>.</param>
    /// <param name="bias">Head bias <c>[C]</c>.</param>
    public static OnnxModel AddHead(OnnxModel encoder, ClassifierHeadOptions options, float[] weight, float[] bias)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(bias);
        int hidden = HiddenSizeOf(encoder, options);
        int classes = options.ClassCount;
        if (weight.Length != hidden * classes || bias.Length != classes)
        {
            throw new ArgumentException(
                $"Head weight must be [{hidden},{classes}] and bias [{classes}], got {weight.Length} and {bias.Length} elements.", nameof(weight));
        }

        OnnxModel model = encoder.Clone();
        OnnxGraph g = model.Graph;
        if (!g.Inputs.Any(i => i.Name == options.AttentionMaskInput))
        {
            throw new ArgumentException($"The encoder has no input '{options.AttentionMaskInput}'.", nameof(encoder));
        }

        g.Outputs.Clear();
        var b = new GraphBuilder(g);
        string states = options.HiddenStateOutput;
        string pooled = options.Pooling switch
        {
            PoolingMode.Mean => MeanPool(b, states, options.AttentionMaskInput),
            PoolingMode.Cls => ClsPool(b, states),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Pooling, "Unknown pooling mode."),
        };
        string w = b.Initializer(OnnxTensor.FromFloats(HeadWeight, weight, hidden, classes));
        string bb = b.Initializer(OnnxTensor.FromFloats(HeadBias, bias, classes));
        if (w != HeadWeight || bb != HeadBias)
        {
            throw new ArgumentException($"The encoder already has an initializer named '{HeadWeight}' or '{HeadBias}'.", nameof(encoder));
        }

        string logits = b.Op("Add", b.Op("MatMul", pooled, w), bb);
        b.Output(pooled, PooledOutput, TensorType.Of(TensorElementType.Float, "batch", hidden));
        b.Output(logits, LogitsOutput, TensorType.Of(TensorElementType.Float, "batch", classes));
        b.Output(b.Op("Softmax", [logits], OnnxAttribute.Int("axis", -1)), ProbabilitiesOutput, TensorType.Of(TensorElementType.Float, "batch", classes));
        model.SetMetadata("pipelines.classifier.pooling", options.Pooling.ToString());
        model.SetMetadata("pipelines.classifier.classes", classes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return model;
    }

    /// <summary>Hidden size from the options or the declared shape of the token-state output.</summary>
    public static int HiddenSizeOf(OnnxModel encoder, ClassifierHeadOptions options)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(options);
        if (options.HiddenSize is int h)
        {
            return h;
        }

        ValueInfo? output = encoder.Graph.Outputs.FirstOrDefault(o => o.Name == options.HiddenStateOutput)
            ?? throw new ArgumentException(
                $"The encoder has no output '{options.HiddenStateOutput}' (outputs: {string.Join(", ", encoder.Graph.Outputs.Select(o => o.Name))}).",
                nameof(encoder));
        if (output.Type?.Shape is { Count: 3 } shape && shape[2].Value is long hidden)
        {
            return checked((int)hidden);
        }

        // Exporters often leave the last dim symbolic; shape inference recovers it from the weights.
        if (ShapeInference.Infer(encoder).TryGetValue(options.HiddenStateOutput, out TensorType? inferred)
            && inferred.Shape is { Count: 3 } inferredShape && inferredShape[2].Value is long inferredHidden)
        {
            return checked((int)inferredHidden);
        }

        throw new ArgumentException(
            $"Output '{options.HiddenStateOutput}' has no fixed hidden size ({output.Type}); set {nameof(ClassifierHeadOptions.HiddenSize)}.", nameof(encoder));
    }

    // pooled = Σ_t m_t·h_t / max(Σ_t m_t, 1e-9), with m the float attention mask broadcast over Hidden.
    private static string MeanPool(GraphBuilder b, string states, string mask)
    {
        string maskF = b.Op("Cast", [mask], OnnxAttribute.Int("to", (long)TensorElementType.Float));
        string mask3 = b.Op("Unsqueeze", maskF, b.Int64s("pool_axis", -1));
        string axis1 = b.Int64s("pool_seq_axis", 1);
        string summed = b.Op("ReduceSum", [b.Op("Mul", states, mask3), axis1], OnnxAttribute.Int("keepdims", 0));
        string count = b.Op("ReduceSum", [mask3, axis1], OnnxAttribute.Int("keepdims", 0));
        string safe = b.Op("Max", count, b.Scalar(1e-9f, "pool_eps"));
        return b.Op("Div", summed, safe);
    }

    // pooled = h_0, the [CLS] token's state.
    private static string ClsPool(GraphBuilder b, string states)
    {
        string first = b.Op("Gather", [states, b.Initializer(OnnxTensor.FromInt64s("cls_index", [0], 1))], OnnxAttribute.Int("axis", 1));
        return b.Op("Squeeze", first, b.Int64s("cls_axis", 1));
    }

    private static float Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }
}
