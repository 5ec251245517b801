using Microsoft.ML.OnnxRuntime;
using Pipelines.Onnx.Autodiff;
using Pipelines.Onnx.Runtime;
using Xunit;

namespace Pipelines.Onnx.Tests.Autodiff;

/// <summary>Values listed under <see cref="GradientBuilder.StopGradientKey"/> are constants for the gradient (PyTorch's detach).</summary>
public class StopGradientTests
{
    // loss = Σ x ⊙ v with v = Identity(x): d/dx = 2x, or x when v is a gradient stop
    private static double[] Gradient(bool stop)
    {
        var b = new GraphBuilder("stop");
        double[] x = [0.5, -1.25, 2];
        string xs = b.Initializer(OnnxTensor.FromDoubles("x", x, 3));
        string v = b.Op("Identity", xs);
        string loss = b.Op("ReduceSum", [b.Op("Mul", xs, v)], OnnxAttribute.Int("keepdims", 0));
        b.Output(loss);
        OnnxModel model = b.ToModel();
        if (stop)
        {
            model.SetMetadata(GradientBuilder.StopGradientKey, $"[\"{v}\"]");
        }

        GradientGraph gg = GradientBuilder.Build(model, loss, ["x"]);
        using OnnxSession session = OrtSessions.Create(gg.Model);
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(x, [3]);
        using IDisposableReadOnlyCollection<OrtValue> outs = session.RunValues(new Dictionary<string, OrtValue> { ["x"] = input }, [gg.Gradients["x"]]);
        return outs[0].GetTensorDataAsSpan<double>().ToArray();
    }

    [Fact]
    public void StoppedValue_CarriesNoGradient()
    {
        Assert.Equal([1.0, -2.5, 4.0], Gradient(stop: false));
        Assert.Equal([0.5, -1.25, 2.0], Gradient(stop: true));
    }

    [Fact]
    public void MalformedStopList_IsATypedError()
    {
        var b = new GraphBuilder("bad");
        string x = b.Initializer(OnnxTensor.FromDoubles("x", [1.0], 1));
        string loss = b.Op("ReduceSum", [b.Op("Mul", x, x)], OnnxAttribute.Int("keepdims", 0));
        b.Output(loss);
        OnnxModel model = b.ToModel();
        model.SetMetadata(GradientBuilder.StopGradientKey, "{not a list");
        GradientException e = Assert.Throws<GradientException>(() => GradientBuilder.Build(model, loss, ["x"]));
        Assert.Contains(GradientBuilder.StopGradientKey, e.Message, StringComparison.Ordinal);
    }
}
