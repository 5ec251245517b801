namespace Pipelines.Export.Quantization;

/// <summary>What happened to one candidate node.</summary>
/// <param name="Node">The node's name.</param>
/// <param name="OpType">Its op type.</param>
/// <param name="Quantizer">The quantizer that handled it, or null when it stayed float.</param>
/// <param name="Reason">Why it stayed float (null when quantized).</param>
public sealed record NodeDecision(string Node, string OpType, string? Quantizer, string? Reason)
{
    /// <summary>True when the node was quantized.</summary>
    public bool Quantized => Reason is null;
}

/// <summary>A quantized model and the per-node decisions.</summary>
/// <param name="Model">The rewritten model (a new object; the input is not modified).</param>
/// <param name="Decisions">One entry per node some quantizer was registered for.</param>
public sealed record QuantizationResult(OnnxModel Model, IReadOnlyList<NodeDecision> Decisions)
{
    /// <summary>Number of quantized nodes.</summary>
    public int QuantizedCount => Decisions.Count(d => d.Quantized);
}
