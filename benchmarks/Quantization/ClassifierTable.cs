using System.Globalization;
using Pipelines.Export;
using Pipelines.Export.Calibration;
using Pipelines.Export.Evaluation;
using Pipelines.Export.Quantization;
using Pipelines.Export.Report;
using Pipelines.Onnx;
using Pipelines.Onnx.Adapters;
using Pipelines.Onnx.Runtime;

/// <summary>
/// A fine-tuned MiniLM classifier (adapters merged first) exported float, int4, int4 GPTQ, int8-dynamic and int8-qdq, each
/// loaded back by ORT and ML.NET and scored on SST-2 dev: accuracy of float and artifact, label agreement, cosine of the
/// pooled embedding, size and latency (float and artifact interleaved in the same run).
/// </summary>
internal static class ClassifierTable
{
    public static List<ExportReport> Run(string classifierPath, TextEncoderInputs text, List<(int Label, string Text)> dev, IReadOnlyList<TensorBatch> calibration, string outDir, string? only, string b1Sentence)
    {
        OnnxModel loaded = OnnxModelIO.Load(classifierPath);
        (OnnxModel model, IReadOnlyList<MergedAdapter> merged) = AdapterMerger.Merge(loaded);
        string floatPath = Path.Combine(outDir, "classifier-float.onnx");
        OnnxModelIO.Save(model, floatPath);
        Console.Error.WriteLine($"{classifierPath}: {merged.Count} adapters merged; outputs {string.Join(", ", model.Graph.Outputs.Select(o => o.Name))}");

        IReadOnlyList<TensorBatch> evaluation = text.Batches(dev.Select(d => d.Text).ToList(), 32);
        TensorBatch b1 = text.Batch([b1Sentence]);
        TensorBatch b32 = text.Batch(dev.Take(32).Select(d => d.Text).ToList());
        var evalOptions = new EvaluationOptions
        {
            Output = "pooled",
            LabelOutput = "probabilities",
            Classifier = p => p[1] > p[0] ? 1 : 0,
            Labels = dev.Select(d => d.Label).ToList(),
            LatencyRuns = 10,
            LatencyRunsB1 = 300,
        };
        var int4 = new QuantizationOptions { Format = ExportFormat.Int4, BlockSize = 32, Search = BlockScaleSearch.Mse, EightBit = EightBitWeights.None, EmbeddingBlockSize = 0 };
        (string Name, QuantizationOptions Options)[] formats =
        [
            ("clf-int4", int4),
            ("clf-int4-gptq", int4 with { Rounding = WeightRounding.Gptq }),
            ("clf-int8-dynamic", new QuantizationOptions { Format = ExportFormat.Int8Dynamic }),
            ("clf-int8-qdq", new QuantizationOptions { Format = ExportFormat.Int8Qdq, Calibration = CalibrationMethod.MinMax }),
            ("clf-int8-qdq-p99.99", new QuantizationOptions { Format = ExportFormat.Int8Qdq, Calibration = CalibrationMethod.Percentile, Percentile = 99.99 }),
        ];
        InputHessians? hessians = null;
        var rows = new List<ExportReport>();
        foreach ((string name, QuantizationOptions options) in formats.Where(f => only is null || only.Split(',').Contains(f.Name)))
        {
            ActivationRanges? ranges = options.Format == ExportFormat.Int8Qdq ? Calibrator.Calibrate(model, calibration, options.Calibration, options.Percentile) : null;
            if (options.Rounding == WeightRounding.Gptq)
            {
                hessians ??= InputHessians.Collect(model, calibration);
            }

            QuantizationResult q = new ModelQuantizer().Quantize(model, options, ranges, hessians);
            string path = Path.Combine(outDir, name + ".onnx");
            OnnxModelIO.Save(q.Model, path);
            ExportReport r = ExportEvaluator.Evaluate($"{name} ({ModelQuantizer.FormatName(options)})", floatPath, path, evaluation, b1, b32, evalOptions);
            rows.Add(r);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: acc {r.Accuracy:P2} vs float {r.FloatAccuracy:P2}, agree {r.LabelAgreement:P2}, cos {r.MeanCosine:F5}, size {r.SizeRatio:F3}x"));
        }

        return rows;
    }
}
