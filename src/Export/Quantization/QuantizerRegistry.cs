using Pipelines.Export.Quantization.Operators;

namespace Pipelines.Export.Quantization;

/// <summary>Maps an op type to its quantizer for one format (ORT's <c>registry.py</c> shape). Ops without one stay float.</summary>
public sealed class QuantizerRegistry
{
    private readonly Dictionary<string, IOperatorQuantizer> _byOp = new(StringComparer.Ordinal);

    /// <summary>Creates an empty registry.</summary>
    public QuantizerRegistry()
    {
    }

    /// <summary>The registered quantizers.</summary>
    public IEnumerable<IOperatorQuantizer> Quantizers => _byOp.Values;

    /// <summary>Registers (or replaces) the quantizer for its op type.</summary>
    public QuantizerRegistry Register(IOperatorQuantizer quantizer)
    {
        ArgumentNullException.ThrowIfNull(quantizer);
        _byOp[quantizer.OpType] = quantizer;
        return this;
    }

    /// <summary>The quantizer for a standard-domain <paramref name="node"/>, or <see langword="null"/>.</summary>
    public IOperatorQuantizer? Find(OnnxNode node) =>
        node.Domain.Length == 0 && _byOp.TryGetValue(node.OpType, out IOperatorQuantizer? q) ? q : null;

    /// <summary>The default quantizers of <paramref name="options"/>' format.</summary>
    public static QuantizerRegistry ForFormat(QuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var registry = new QuantizerRegistry();
        switch (options.Format)
        {
            case ExportFormat.Int8Dynamic:
                registry.Register(new MatMulIntegerQuantizer());
                break;
            case ExportFormat.Int8Qdq:
                registry.Register(new MatMulQdqQuantizer());
                break;
            case ExportFormat.Int4:
                registry.Register(new MatMulNBitsQuantizer());
                break;
            case ExportFormat.Int4Qdq:
                registry.Register(new MatMulInt4DequantizeQuantizer());
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Format, "Unknown quantization format.");
        }

        if (options.QuantizeEmbeddings)
        {
            registry.Register(options.Format switch
            {
                ExportFormat.Int4 => new GatherBlockQuantizedQuantizer(),
                ExportFormat.Int4Qdq => new GatherInt4DequantizeQuantizer(),
                _ => new GatherUInt8Quantizer(),
            });
        }

        return registry;
    }
}
