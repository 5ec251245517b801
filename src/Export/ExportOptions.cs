using Pipelines.Export.Quantization;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Export;

/// <summary>What <see cref="OnnxExporter"/> writes.</summary>
public enum ExportFormat
{
    /// <summary>Float weights (adapters merged).</summary>
    None,

    /// <summary>float16 weights, float compute.</summary>
    Float16,

    /// <summary>See <see cref="QuantizationFormat.Int8Dynamic"/>.</summary>
    Int8Dynamic,

    /// <summary>See <see cref="QuantizationFormat.Int8Qdq"/> (needs calibration inputs).</summary>
    Int8Qdq,

    /// <summary>See <see cref="QuantizationFormat.Int4"/>.</summary>
    Int4,

    /// <summary>See <see cref="QuantizationFormat.Int4Qdq"/>.</summary>
    Int4Qdq,
}

/// <summary>Options of <see cref="OnnxExporter"/>.</summary>
public sealed record ExportOptions
{
    /// <summary>The output format.</summary>
    public ExportFormat Format { get; init; } = ExportFormat.Int4;

    /// <summary>Quantizer settings (block size, symmetry, accuracy level, exclusions…); the format comes from <see cref="Format"/>.</summary>
    public QuantizationOptions Quantization { get; init; } = new();

    /// <summary>Fold adapters found in the graph into their base weights first.</summary>
    public bool MergeAdapters { get; init; } = true;

    /// <summary>Sample inputs for int8-qdq calibration and for GPTQ rounding's input statistics.</summary>
    public IReadOnlyList<TensorBatch>? Calibration { get; init; }

    /// <summary>QPiSSA rank: when set, the linear weights become quantized residuals plus float rank-r adapters.</summary>
    public int? QPissaRank { get; init; }

    /// <summary>QPiSSA alternations T.</summary>
    public int QPissaIterations { get; init; } = 5;

    /// <summary>The quantization options with <see cref="Format"/> applied.</summary>
    public QuantizationOptions EffectiveQuantization() => Quantization with
    {
        Format = Format switch
        {
            ExportFormat.Int8Dynamic => QuantizationFormat.Int8Dynamic,
            ExportFormat.Int8Qdq => QuantizationFormat.Int8Qdq,
            ExportFormat.Int4Qdq => QuantizationFormat.Int4Qdq,
            _ => QuantizationFormat.Int4,
        },
    };
}
