using Pipelines.Export.Calibration;
using Pipelines.Export.Quantization;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Export.Tests.Evaluation;

public class CalibratorTests
{
    [Fact]
    public void MinMaxAndPercentile_RangesFollowTheData()
    {
        const int K = 16, N = 4;
        float[] w = QuantTestModels.Random(1, K * N);
        OnnxModel model = QuantTestModels.MatMul(w, K, N);
        OnnxNode mm = model.Graph.Nodes.Single(n => n.OpType == "MatMul");
        float[] x = QuantTestModels.Random(2, 64 * K);
        x[7] = 50f; // one outlier
        using TensorBatch batch = new TensorBatch().Add("x", x, 64, K);

        ActivationRanges minMax = Calibrator.Calibrate(model, [batch]);
        Assert.True(minMax.TryGet(mm.Inputs[0], out ActivationRange r));
        Assert.Equal(50f, r.Max);
        Assert.Equal(MathF.Min(0, x.Min()), r.Min);
        float[] y = QuantTestModels.Multiply(x, w, 64, K, N);
        Assert.True(minMax.TryGet(mm.Outputs[0], out ActivationRange ry));
        Assert.Equal(y.Max(), ry.Max, 3);

        ActivationRanges clipped = Calibrator.Calibrate(model, [batch], CalibrationMethod.Percentile, 99.0);
        Assert.True(clipped.TryGet(mm.Inputs[0], out ActivationRange p));
        Assert.InRange(p.Max, 0.9f, 1.0f);

        QuantizationResult q = new ModelQuantizer().Quantize(model, new QuantizationOptions { Format = ExportFormat.Int8Qdq }, minMax);
        Assert.Equal(1, q.QuantizedCount);
    }
}
