namespace Pipelines.Export.Quantization;

/// <summary>Rewrites one kind of node into its quantized form (one implementation per op kind and format, as in ORT's tool).</summary>
public interface IOperatorQuantizer
{
    /// <summary>The op type handled, e.g. <c>MatMul</c>.</summary>
    string OpType { get; }

    /// <summary>Why <paramref name="node"/> cannot be quantized by this quantizer, or <see langword="null"/> when it can.</summary>
    string? WhyNot(QuantizationContext context, OnnxNode node);

    /// <summary>The nodes replacing <paramref name="node"/>; they produce the same output names.</summary>
    IReadOnlyList<OnnxNode> Quantize(QuantizationContext context, OnnxNode node);
}
