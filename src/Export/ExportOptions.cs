using Pipelines.Export.Quantization;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Export;

/// <summary>Options of <see cref="OnnxExporter"/>.</summary>
public sealed record ExportOptions
{
    /// <summary>Default values, read by the API and the <c>export</c> command alike.</summary>
    public static class Defaults
    {
        /// <summary>QPiSSA alternations T.</summary>
        public const int QPissaIterations = 5;
    }

    /// <summary>The output format.</summary>
    public ExportFormat Format { get; init; } = ExportFormat.Int4;

    /// <summary>Quantizer settings (block size, symmetry, accuracy level, exclusions…); the format comes from <see cref="Format"/>.</summary>
    public QuantizationOptions Quantization { get; init; } = new();

    /// <summary>Fold adapters found in the graph into their base weights first.</summary>
    public bool MergeAdapters { get; init; } = true;

    /// <summary>
    /// A model whose frozen base is int4 (<see cref="QPissa.QuantizedBase"/>: QLoRA, QPiSSA, LoftQ) keeps that base and its
    /// float adapters unless this is set; then the base is dequantized, the adapters merged into it and the result quantized
    /// again with <see cref="Format"/>.
    /// </summary>
    public bool MergeQuantizedBase { get; init; }

    /// <summary>Sample inputs for int8-qdq calibration and for GPTQ rounding's input statistics.</summary>
    public IReadOnlyList<TensorBatch>? Calibration { get; init; }

    /// <summary>QPiSSA rank: when set, the linear weights become quantized residuals plus float rank-r adapters.</summary>
    public int? QPissaRank { get; init; }

    /// <summary>QPiSSA alternations T.</summary>
    public int QPissaIterations { get; init; } = Defaults.QPissaIterations;

    /// <summary>The quantization options with <see cref="Format"/> applied.</summary>
    public QuantizationOptions EffectiveQuantization() => Quantization with
    {
        Format = Format is ExportFormat.None or ExportFormat.Float16 ? ExportFormat.Int4 : Format,
    };
}
