using Pipelines.Export.Quantization;
using Pipelines.Export.Report;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Testing;

namespace Pipelines.Export.Tests.Evaluation;

/// <summary>End to end on all-MiniLM-L6-v2: int4 export, written to disk, loaded back by ORT and by ML.NET's ApplyOnnxModel.</summary>
public class MiniLmExportTests
{
    [Fact]
    public void Int4Export_IsSmall_Faithful_AndLoadsInOrtAndMlNet()
    {
        using var dir = new TempDirectory();
        QuantizationResult q = new ModelQuantizer().Quantize(MiniLm.Shared, new QuantizationOptions { Format = ExportFormat.Int4, BlockSize = 32 });
        Assert.Equal(36, q.Decisions.Count(d => d.Quantized && d.OpType == "MatMul"));
        Assert.Contains(q.Model.Graph.Nodes, n => n.OpType == "GatherBlockQuantized");
        string path = dir.File("minilm-int4.onnx");
        OnnxModelIO.Save(q.Model, path);

        (long[] ids, long[] mask, int batch, int seq) = MiniLm.SampleBatch();
        long[] shape = [batch, seq];
        using TensorBatch input = new TensorBatch()
            .Add("input_ids", ids, shape)
            .Add("attention_mask", mask, shape)
            .Add("token_type_ids", new long[ids.Length], shape);
        ExportReport report = ExportEvaluator.Evaluate("int4", MiniLm.Files.ModelPath, path, [input], input, null,
            new EvaluationOptions { LatencyRuns = 2, LatencyRunsB1 = 2, WarmupRuns = 1 });

        Assert.True(report.SizeRatio < 0.25, $"size ratio {report.SizeRatio}");
        Assert.True(report.MeanCosine > 0.95, $"mean cosine {report.MeanCosine}");
        Assert.True(report.MaxAbsDiff > 0, "a quantized model cannot equal the float model exactly");
        Assert.NotNull(report.MlNetMaxAbsDiff);
        Assert.True(report.MlNetMaxAbsDiff < 1e-4f, $"ML.NET vs ORT {report.MlNetMaxAbsDiff}");
    }

    [Fact]
    public void OpsetUpgrade_KeepsMiniLmOutputs()
    {
        OnnxModel upgraded = MiniLm.LoadCopy();
        OpsetUpgrade.To(upgraded, 21);
        Assert.Equal(21, upgraded.OpsetVersion());
        Assert.DoesNotContain(upgraded.Graph.Nodes, n => n.OpType == "ReduceMean" && n.Attribute("axes") is not null);
        (long[] ids, long[] mask, int batch, int seq) = MiniLm.SampleBatch();
        float[] before = OrtRunner.RunEncoder(MiniLm.Shared, ids, mask, batch, seq);
        float[] after = OrtRunner.RunEncoder(upgraded, ids, mask, batch, seq);
        QuantTestModels.AssertClose(before, after, 1e-5f);
    }

    [Fact]
    public void OpsetUpgrade_RefusesUnknownOpsByName()
    {
        var b = new GraphBuilder();
        string x = b.Input("x", TensorElementType.Float, 2, 2);
        b.Output(b.Op("Upsample", x), "y");
        OnnxModel m = b.ToModel(13);
        var e = Assert.Throws<NotSupportedException>(() => OpsetUpgrade.To(m, 21));
        Assert.Contains("Upsample", e.Message, StringComparison.Ordinal);
    }
}
