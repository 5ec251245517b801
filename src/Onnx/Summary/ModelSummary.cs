namespace Pipelines.Onnx;

/// <summary>What a model contains: I/O, opsets, node counts, parameters and its linear weights with roles.</summary>
public sealed record ModelSummary
{
    /// <summary>Runtime inputs (initializers excluded).</summary>
    public required IReadOnlyList<ValueInfo> Inputs { get; init; }

    /// <summary>Outputs.</summary>
    public required IReadOnlyList<ValueInfo> Outputs { get; init; }

    /// <summary>Imported opsets.</summary>
    public required IReadOnlyList<OpsetImport> Opsets { get; init; }

    /// <summary>IR version.</summary>
    public required long IrVersion { get; init; }

    /// <summary>Producer name and version.</summary>
    public required string Producer { get; init; }

    /// <summary>Number of nodes per op type, most frequent first.</summary>
    public required IReadOnlyList<KeyValuePair<string, int>> OpCounts { get; init; }

    /// <summary>Total node count.</summary>
    public int NodeCount => OpCounts.Sum(kv => kv.Value);

    /// <summary>Total elements in initializers.</summary>
    public required long ParameterCount { get; init; }

    /// <summary>Every 2-D weight consumed by MatMul or Gemm, in graph order.</summary>
    public required IReadOnlyList<LinearWeight> Weights { get; init; }

    /// <summary>Summarises <paramref name="model"/>.</summary>
    public static ModelSummary Create(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        OnnxGraph g = model.Graph;
        return new ModelSummary
        {
            Inputs = g.RuntimeInputs().ToList(),
            Outputs = g.Outputs.ToList(),
            Opsets = model.OpsetImports.ToList(),
            IrVersion = model.IrVersion,
            Producer = (model.ProducerName + " " + model.ProducerVersion).Trim(),
            OpCounts = g.Nodes.GroupBy(n => n.Domain.Length > 0 ? n.Domain + "::" + n.OpType : n.OpType)
                .Select(gr => new KeyValuePair<string, int>(gr.Key, gr.Count()))
                .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList(),
            ParameterCount = g.Initializers.Sum(t => t.ElementCount),
            Weights = WeightRoleAnalyzer.FindLinearWeights(g),
        };
    }
}
