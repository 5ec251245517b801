using Pipelines.Export.Calibration;

namespace Pipelines.Export.Quantization;

/// <summary>
/// Quantizes a model node by node: each node whose op has a quantizer in the <see cref="QuantizerRegistry"/> (and is not
/// excluded) is replaced by that quantizer's nodes; float initializers left unused are dropped.
/// </summary>
public sealed class ModelQuantizer
{
    /// <summary>The artifact's metadata key holding <see cref="FormatName"/> of the options actually applied.</summary>
    public const string MetadataKey = "pipelines.quantization";

    private readonly QuantizerRegistry? _registry;

    /// <summary>Creates a quantizer using <paramref name="registry"/>, or the format's default registry when null.</summary>
    public ModelQuantizer(QuantizerRegistry? registry = null)
    {
        _registry = registry;
    }

    /// <summary>Quantizes a copy of <paramref name="model"/>.</summary>
    /// <param name="model">The float model (not modified).</param>
    /// <param name="options">The options.</param>
    /// <param name="ranges">Calibrated activation ranges, required by <see cref="ExportFormat.Int8Qdq"/>.</param>
    /// <param name="hessians">MatMul input statistics, required by <see cref="WeightRounding.Gptq"/> with a 4-bit format.</param>
    public QuantizationResult Quantize(OnnxModel model, QuantizationOptions options, ActivationRanges? ranges = null, InputHessians? hessians = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Format == ExportFormat.Int8Qdq && ranges is null)
        {
            throw new ArgumentException("int8-qdq needs calibrated activation ranges: run Calibrator.Calibrate over sample inputs first.", nameof(ranges));
        }

        if (options.Rounding == WeightRounding.Gptq && options.Format is ExportFormat.Int4 or ExportFormat.Int4Qdq && hessians is null)
        {
            throw new ArgumentException("GPTQ rounding needs MatMul input statistics: run InputHessians.Collect over sample inputs first.", nameof(hessians));
        }

        OnnxModel copy = model.Clone();
        if (options.Format == ExportFormat.Int4Qdq)
        {
            OpsetUpgrade.To(copy, 21);
        }

        QuantizerRegistry registry = _registry ?? QuantizerRegistry.ForFormat(options);
        HashSet<string> keepFloat = FloatNodes(copy, options);
        if (options.Rounding == WeightRounding.GptqSynthetic && options.Format is ExportFormat.Int4 or ExportFormat.Int4Qdq && !SyntheticTokens.CanFill(model))
        {
            // No input_ids to make synthetic sequences for, or inputs they cannot fill: nearest rounding, and the metadata
            // below says so.
            options = options with { Rounding = WeightRounding.Nearest };
        }

        var context = new QuantizationContext(copy, options, ranges, hessians, model);
        var decisions = new List<NodeDecision>();
        var nodes = new List<OnnxNode>(copy.Graph.Nodes.Count);
        foreach (OnnxNode node in copy.Graph.Nodes.ToList())
        {
            IOperatorQuantizer? quantizer = registry.Find(node);
            if (quantizer is null)
            {
                nodes.Add(node);
                continue;
            }

            string? reason = keepFloat.Contains(node.Name) ? "excluded" : quantizer.WhyNot(context, node);
            if (reason is null && node.Inputs.Any(options.ExcludedInitializers.Contains))
            {
                reason = "weight excluded";
            }

            if (reason is not null)
            {
                nodes.Add(node);
                decisions.Add(new NodeDecision(node.Name, node.OpType, null, reason));
                continue;
            }

            nodes.AddRange(quantizer.Quantize(context, node));
            decisions.Add(new NodeDecision(node.Name, node.OpType, quantizer.GetType().Name, null));
        }

        copy.Graph.Nodes.Clear();
        copy.Graph.Nodes.AddRange(nodes);
        copy.Graph.RemoveUnusedInitializers();
        if (nodes.Any(n => n.Domain == OnnxModel.MicrosoftDomain))
        {
            copy.EnsureOpset(OnnxModel.MicrosoftDomain, 1);
        }

        copy.SetMetadata(MetadataKey, FormatName(options));
        return new QuantizationResult(copy, decisions);
    }

    /// <summary>A short description of the options, e.g. <c>int4 block 32 zero-points mse acc 4</c>.</summary>
    public static string FormatName(QuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Format switch
        {
            ExportFormat.None => "float",
            ExportFormat.Float16 => "fp16",
            ExportFormat.Int8Dynamic => "int8-dynamic" + (options.PerChannel ? " per-channel" : " per-tensor"),
            ExportFormat.Int8Qdq => $"int8-qdq {options.Calibration.ToString().ToLowerInvariant()}",
            ExportFormat.Int4 => $"int4 block {options.BlockSize} {(options.Symmetric ? "symmetric" : "zero-points")} {SearchName(options.Search)}{GptqName(options)}{(options.EightBit.ToString() is { Length: > 0 } e ? ", " + e : "")}{(options.QuantizeEmbeddings && options.EmbeddingBlockSize > 0 ? $", embeddings block {options.EmbeddingBlockSize}" : "")}, acc {options.AccuracyLevel}",
            _ => $"int4-qdq block {options.BlockSize} {(options.Symmetric ? "symmetric" : "zero-points")} {SearchName(options.Search)}{GptqName(options)}",
        };
    }

    private static string GptqName(QuantizationOptions options) => options.Rounding switch
    {
        WeightRounding.Gptq => " gptq",
        WeightRounding.GptqLayerNorm => " gptq-layernorm",
        WeightRounding.GptqSynthetic => " gptq-synthetic",
        _ => "",
    };

    private static string SearchName(BlockScaleSearch search) => search switch
    {
        BlockScaleSearch.MinMax => "min-max",
        BlockScaleSearch.Clip => "clip",
        BlockScaleSearch.Hqq => "hqq",
        _ => "mse",
    };

    /// <summary>Nodes left in float by the options: <see cref="QuantizationOptions.ExcludedNodes"/> and, with
    /// <see cref="QuantizationOptions.KeepFirstAndLastLayersFloat"/>, the first and last layers' linear nodes.</summary>
    public static HashSet<string> FloatNodes(OnnxModel model, QuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var names = new HashSet<string>(options.ExcludedNodes, StringComparer.Ordinal);
        if (options.KeepFirstAndLastLayersFloat)
        {
            IReadOnlyList<LinearWeight> weights = ModelSummary.Create(model).Weights;
            var layers = weights.Where(w => w.Layer >= 0).Select(w => w.Layer).ToList();
            if (layers.Count > 0)
            {
                int first = layers.Min(), last = layers.Max();
                names.UnionWith(weights.Where(w => w.Layer == first || w.Layer == last).Select(w => w.Node));
            }
        }

        return names;
    }
}
