using System.Globalization;
using Pipelines.Cli.Plots;
using Pipelines.Export;
using Pipelines.Export.Evaluation;
using Pipelines.Export.Quantization;
using Pipelines.Export.Report;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Spectre.Console;

namespace Pipelines.Cli.Demo;

/// <summary>
/// Export stage: all-MiniLM-L6-v2 exported int4 (MatMulNBits + GatherBlockQuantized, block 32, embeddings included) and
/// int8-dynamic, each written to disk, loaded back by ORT and ML.NET, and reported against the float model.
/// </summary>
internal sealed class ExportDemoStage : IDemoStage
{
    public string Name => "export";

    public string Description => "Quantize all-MiniLM-L6-v2 to int4 and int8 and report size, latency and embedding fidelity against float.";

    public object Run(DemoContext context)
    {
        IAnsiConsole c = context.Console.Human;
        PretrainedModelFiles files = PretrainedModels.MiniLm();
        OnnxModel model = OnnxModelIO.Load(files.ModelPath);
        var text = new TextEncoderInputs(files.VocabPath);
        IReadOnlyList<TensorBatch> samples = text.Batches(SampleInputs.DefaultSentences, 16);
        using TensorBatch b1 = ExportEvaluator.FirstRow(samples[0]);
        var table = new Table().AddColumns("artifact", "MiB", "× float", "b1 ms", "float b1 ms", "×", "max |Δ|", "mean cos", "ML.NET |Δ|");
        var rows = new List<object>();
        double int4Cosine = double.NaN;
        foreach ((string name, ExportFormat format) in new[] { ("int4", ExportFormat.Int4), ("int8-dynamic", ExportFormat.Int8Dynamic) })
        {
            ExportResult result = OnnxExporter.Export(model, new ExportOptions { Format = format });
            string path = Path.Combine(context.WorkDirectory, $"minilm-{name}.onnx");
            OnnxModelIO.Save(result.Model, path);
            ExportReport r = ExportEvaluator.Evaluate(name, files.ModelPath, path, samples, b1, null, new EvaluationOptions { LatencyRuns = 10, LatencyRunsB1 = 50 });
            table.AddRow(name, F(r.Bytes / 1048576.0, "F1"), F(r.SizeRatio, "F3"), F(r.LatencyMsB1, "F2"), F(r.FloatLatencyMsB1, "F2"),
                F(r.LatencyRatioB1, "F2"), F(r.MaxAbsDiff, "F3"), F(r.MeanCosine, "F4"), F(r.MlNetMaxAbsDiff ?? float.NaN, "G2"));
            string chart = ExportChart.Write(Path.Combine(context.WorkDirectory, $"minilm-{name}-report.png"), r).Path;
            if (format == ExportFormat.Int4)
            {
                int4Cosine = r.MeanCosine;
            }

            rows.Add(new { Artifact = name, r.Bytes, r.FloatBytes, r.LatencyMsB1, r.FloatLatencyMsB1, r.MaxAbsDiff, Cosine = r.MeanCosine, r.MlNetMaxAbsDiff, Chart = chart });
            if (r.MlNetMaxAbsDiff is not float d || d > 1e-4f)
            {
                throw new InvalidOperationException($"{name}: ML.NET's ApplyOnnxModel disagrees with ORT ({r.MlNetMaxAbsDiff}).");
            }
        }

        c.Write(table);
        c.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"int4 default, no calibration data: {ModelQuantizer.FormatName(new QuantizationOptions())} — mean cos {int4Cosine:F4} to float")));
        c.MarkupLine($"{SampleInputs.DefaultSentences.Count} sentences; latency: ORT CPU, all optimisations, one thread, median of 10 interleaved runs");
        return rows;
    }

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
