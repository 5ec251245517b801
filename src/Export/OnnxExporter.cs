using Pipelines.Export.Calibration;
using Pipelines.Export.Merge;
using Pipelines.Export.QPissa;
using Pipelines.Export.Quantization;
using Pipelines.Onnx.Adapters;

namespace Pipelines.Export;

/// <summary>The result of an export.</summary>
/// <param name="Model">The exported model.</param>
/// <param name="Merged">Adapters folded into base weights.</param>
/// <param name="Decisions">Per-node quantization decisions (empty for float/fp16).</param>
/// <param name="QPissa">The QPiSSA error report, when QPiSSA ran.</param>
public sealed record ExportResult(OnnxModel Model, IReadOnlyList<MergedAdapter> Merged, IReadOnlyList<NodeDecision> Decisions, QPissaResult? QPissa);

/// <summary>
/// One entry point for deployment artifacts: merge adapters, then write float, fp16, int8 (dynamic or calibrated QDQ) or
/// 4-bit (MatMulNBits or portable INT4 DequantizeLinear) weights, optionally with QPiSSA adapters that absorb the quantizer's
/// error. Works on any <see cref="OnnxModel"/>, including one taken from a fitted ML.NET pipeline with
/// <see cref="Evaluation.MlNetOnnxModels.Extract"/>.
/// </summary>
public static class OnnxExporter
{
    /// <summary>Exports <paramref name="model"/> (not modified).</summary>
    /// <exception cref="ArgumentException">int8-qdq or GPTQ rounding without calibration inputs, or an invalid option.</exception>
    public static ExportResult Export(OnnxModel model, ExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<MergedAdapter> merged = [];
        OnnxModel current = model;
        if (QuantizedBase.IsQuantized(model))
        {
            if (!options.MergeQuantizedBase)
            {
                return KeepQuantizedBase(model, options);
            }

            // merge on request: deq(W_q) + s·A·B, then quantized again below
            current = QuantizedBase.Dequantize(model);
        }

        if (options.MergeAdapters)
        {
            (current, merged) = AdapterMerger.Merge(current);
        }

        QuantizationOptions q = options.EffectiveQuantization();
        if (options.QPissaRank is int rank)
        {
            if (options.Format is ExportFormat.None or ExportFormat.Float16)
            {
                throw new ArgumentException("QPiSSA needs a quantized format (int4, int4-qdq, int8-dynamic or int8-qdq).", nameof(options));
            }

            var qp = new QPissaOptions { Rank = rank, Iterations = options.QPissaIterations, Quantization = q };
            QPissaResult result = QPissaInitializer.Run(current, qp);
            ActivationRanges? ranges = q.Format == ExportFormat.Int8Qdq ? Calibrate(result.Model, options, q) : null;
            QuantizationOptions withAdapters = q with
            {
                ExcludedInitializers = new HashSet<string>(q.ExcludedInitializers.Concat(result.AdapterInitializers), StringComparer.Ordinal),

                // The adapters were fit against the nearest-rounded residual of QPiSSA's loop (WeightRoundTrip); the default
                // data-free GPTQ would round the residual differently and undo that fit, so the residual keeps nearest
                // rounding (the artifact's metadata says so). GPTQ from sample inputs stays as asked.
                Rounding = q.Rounding == WeightRounding.GptqSynthetic ? WeightRounding.Nearest : q.Rounding,
            };
            QuantizationResult quantized = new ModelQuantizer().Quantize(result.Model, withAdapters, ranges, Statistics(result.Model, options, q));
            return new ExportResult(quantized.Model, merged, quantized.Decisions, result);
        }

        switch (options.Format)
        {
            case ExportFormat.None:
                return new ExportResult(current == model ? model.Clone() : current, merged, [], null);
            case ExportFormat.Float16:
                return new ExportResult(Float16Weights.Convert(current), merged, [], null);
            default:
                ActivationRanges? ranges = q.Format == ExportFormat.Int8Qdq ? Calibrate(current, options, q) : null;
                QuantizationResult result = new ModelQuantizer().Quantize(current, q, ranges, Statistics(current, options, q));
                return new ExportResult(result.Model, merged, result.Decisions, null);
        }
    }

    // The int4 base stays as it is (DequantizeLinear before each MatMul; ORT fuses the pair into MatMulNBits when it loads
    // the model), the adapters stay float; what else is float (embeddings) is quantized as the options say.
    private static ExportResult KeepQuantizedBase(OnnxModel model, ExportOptions options)
    {
        if (options.QPissaRank is not null)
        {
            throw new ArgumentException("The model's base is already quantized with its adapters; QPiSSA at export applies to float models only.", nameof(options));
        }

        if (options.Format is ExportFormat.None or ExportFormat.Float16)
        {
            return new ExportResult(model.Clone(), [], [], null);
        }

        QuantizationOptions q = options.EffectiveQuantization();
        var adapters = AdapterGraphEntry.Read(model).SelectMany(e => new[] { e.LoraA, e.LoraB, e.LoraA0, e.LoraB0 }).OfType<string>();
        q = q with { ExcludedInitializers = new HashSet<string>(q.ExcludedInitializers.Concat(adapters), StringComparer.Ordinal) };
        if (q.Rounding == WeightRounding.Gptq || q.Format == ExportFormat.Int8Qdq)
        {
            throw new ArgumentException("A quantized base keeps its codes; GPTQ rounding and int8-qdq apply to float bases (export with MergeQuantizedBase).", nameof(options));
        }

        QuantizationResult result = new ModelQuantizer().Quantize(model, q);
        return new ExportResult(result.Model, [], result.Decisions, null);
    }

    /// <summary>
    /// Exports the ONNX model inside a fitted ML.NET pipeline (a transformer made by <c>ApplyOnnxModel</c>, as this project's
    /// ONNX-backed estimators return).
    /// </summary>
    /// <exception cref="InvalidOperationException">The pipeline holds no ONNX model, or more than one.</exception>
    public static ExportResult Export(Microsoft.ML.MLContext context, Microsoft.ML.ITransformer transformer, Microsoft.ML.DataViewSchema inputSchema, ExportOptions options)
    {
        IReadOnlyList<OnnxModel> models = Evaluation.MlNetOnnxModels.Extract(context, transformer, inputSchema);
        if (models.Count != 1)
        {
            throw new InvalidOperationException($"The pipeline holds {models.Count} ONNX models; extract them with MlNetOnnxModels.Extract and export each.");
        }

        return Export(models[0], options);
    }

    private static InputHessians? Statistics(OnnxModel model, ExportOptions options, QuantizationOptions q)
    {
        if (q.Rounding != WeightRounding.Gptq || q.Format is not (ExportFormat.Int4 or ExportFormat.Int4Qdq))
        {
            return null;
        }

        if (options.Calibration is not { Count: > 0 } batches)
        {
            throw new ArgumentException("GPTQ rounding needs calibration inputs (ExportOptions.Calibration, or --calibration on the command line).", nameof(options));
        }

        return InputHessians.Collect(model, batches);
    }

    private static ActivationRanges Calibrate(OnnxModel model, ExportOptions options, QuantizationOptions q)
    {
        if (options.Calibration is not { Count: > 0 } batches)
        {
            throw new ArgumentException("int8-qdq needs calibration inputs (ExportOptions.Calibration, or --calibration on the command line).", nameof(options));
        }

        return Calibrator.Calibrate(model, batches, q.Calibration, q.Percentile);
    }
}
