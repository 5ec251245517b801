using Pipelines.Onnx.Autodiff;
using Xunit;

namespace Pipelines.Onnx.Tests.Autodiff;

/// <summary>Errors raised before any session exists.</summary>
public class GradientBuilderErrorTests
{
    private static (OnnxModel Model, string Loss) Small(string op = "Tanh", TensorElementType type = TensorElementType.Float, bool scalarLoss = true)
    {
        var b = new GraphBuilder("small");
        string x = b.Input("x", type, 2, 3);
        string w = type == TensorElementType.Double
            ? b.Initializer(OnnxTensor.FromDoubles("W", new double[9], 3, 3))
            : b.Initializer(OnnxTensor.FromFloats("W", new float[9], 3, 3));
        string y = b.Op(op, b.Op("MatMul", x, w));
        string loss = scalarLoss ? b.Op("ReduceSum", [y], OnnxAttribute.Int("keepdims", 0)) : y;
        b.Output(loss);
        return (b.ToModel(), loss);
    }

    [Fact]
    public void Build_OpWithoutRule_NamesOpNodeAndPosition()
    {
        (OnnxModel model, string loss) = Small("Sin");
        var e = Assert.Throws<GradientException>(() => GradientBuilder.Build(model, loss, ["W"]));
        Assert.Contains("Sin 'Sin'", e.Message);
        Assert.Contains("position 1", e.Message);
    }

    [Fact]
    public void Build_NonScalarLoss_Throws()
    {
        (OnnxModel model, string loss) = Small(scalarLoss: false);
        var e = Assert.Throws<GradientException>(() => GradientBuilder.Build(model, loss, ["W"]));
        Assert.Contains("must be a scalar", e.Message);
        Assert.Contains("[2,3]", e.Message);
    }

    [Fact]
    public void Build_UnknownTrainable_NamesItAndSuggests()
    {
        (OnnxModel model, string loss) = Small();
        var e = Assert.Throws<GradientException>(() => GradientBuilder.Build(model, loss, ["w"]));
        Assert.Contains("Unknown trainable 'w'", e.Message);
        Assert.Contains("similar: W", e.Message);
    }

    [Fact]
    public void Build_TrainableTypeDiffersFromLoss_Throws()
    {
        var b = new GraphBuilder("mixed");
        string w = b.Initializer(OnnxTensor.FromFloats("W", [1f, 2f], 2));
        string wd = b.Op("Cast", [w], OnnxAttribute.Int("to", (long)TensorElementType.Double));
        string loss = b.Op("ReduceSum", [b.Op("Mul", wd, wd)], OnnxAttribute.Int("keepdims", 0));
        b.Output(loss);
        var e = Assert.Throws<GradientException>(() => GradientBuilder.Build(b.ToModel(), loss, ["W"]));
        Assert.Contains("'W' is Float but the loss", e.Message);
    }

    [Fact]
    public void Build_IntegerTrainable_Throws()
    {
        var b = new GraphBuilder("ints");
        string w = b.Initializer(OnnxTensor.FromInt64s("N", [1, 2], 2));
        string loss = b.Op("ReduceSum", [b.Op("Cast", [w], OnnxAttribute.Int("to", (long)TensorElementType.Float))], OnnxAttribute.Int("keepdims", 0));
        b.Output(loss);
        var e = Assert.Throws<GradientException>(() => GradientBuilder.Build(b.ToModel(), loss, ["N"]));
        Assert.Contains("only Float and Double", e.Message);
    }

    [Fact]
    public void Build_DoesNotModifyInput_AndOutputsLossThenGradients()
    {
        (OnnxModel model, string loss) = Small();
        int nodes = model.Graph.Nodes.Count;
        GradientGraph g = GradientBuilder.Build(model, loss, ["W"]);
        Assert.Equal(nodes, model.Graph.Nodes.Count);
        Assert.NotNull(model.Graph.FindInitializer("W"));
        Assert.Null(g.Model.Graph.FindInitializer("W"));
        Assert.Equal([loss, g.Gradients["W"]], g.Model.Graph.Outputs.Select(o => o.Name));
    }
}
