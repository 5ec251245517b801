using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Export.Evaluation;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Testing;

namespace Pipelines.Export.Tests.Evaluation;

public class MlNetOnnxModelsTests
{
    private sealed class Row
    {
        [VectorType(4)]
        public float[] x { get; set; } = [];
    }

    [Fact]
    public void Extract_ReturnsTheOnnxModelOfAFittedPipeline_AndTheQuantizedExportLoadsInMlNet()
    {
        using var dir = new TempDirectory();
        OnnxModel mlp = TinyModels.Mlp(5);
        string path = dir.File("mlp.onnx");
        OnnxModelIO.Save(mlp, path);
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(new[] { new Row { x = [0.1f, -0.2f, 0.3f, 0.4f] } });
        ITransformer fitted = ml.Transforms.ApplyOnnxModel(["y"], ["x"], path, new Dictionary<string, int[]> { ["x"] = [1, 4] },
            gpuDeviceId: null, fallbackToCpu: false, recursionLimit: 100).Fit(data);

        OnnxModel extracted = Assert.Single(MlNetOnnxModels.Extract(ml, fitted, data.Schema));
        Assert.Equal(mlp.Graph.Nodes.Count, extracted.Graph.Nodes.Count);
        Assert.Equal(mlp.Graph.FindInitializer("W1")!.RawData, extracted.Graph.FindInitializer("W1")!.RawData);

        // Export straight from the fitted pipeline (int8 dynamic: the MLP's K = 4 is below the 4-bit block) and load it in ML.NET.
        ExportResult q = OnnxExporter.Export(ml, fitted, data.Schema, new ExportOptions { Format = ExportFormat.Int8Dynamic });
        Assert.Equal(2, q.Decisions.Count(d => d.Quantized));
        string qPath = dir.File("mlp-int8.onnx");
        OnnxModelIO.Save(q.Model, qPath);
        using TensorBatch input = new TensorBatch().Add("x", new[] { 0.1f, -0.2f, 0.3f, 0.4f }, 1, 4);
        float[] viaMlNet = MlNetLoadCheck.Run(qPath, input, "y");
        using OnnxSession session = OrtSessions.Create(qPath);
        (float[] viaOrt, _) = session.RunFloat(input, ["y"])["y"];
        QuantTestModels.AssertClose(viaOrt, viaMlNet, 1e-6f);
        float[] floatOut = QuantTestModels.RunMatMul(mlp, [0.1f, -0.2f, 0.3f, 0.4f], 1, 4);
        QuantTestModels.AssertClose(floatOut, viaMlNet, 0.1f);
    }
}
