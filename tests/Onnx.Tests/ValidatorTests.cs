using Pipelines.Testing;
using Xunit;

namespace Pipelines.Onnx.Tests;

/// <summary>Issue 19's <c>--validate</c> gaps: each is one <see cref="OnnxGraphException"/> naming what is wrong.</summary>
public class ValidatorTests
{
    [Fact]
    public void Validate_MiniLmAndTinyMlp_Pass()
    {
        OnnxModelValidator.Validate(MiniLm.LoadCopy(), "all-MiniLM-L6-v2");
        OnnxModelValidator.Validate(TinyModels.Mlp(seed: 1), "mlp");
    }

    [Fact]
    public void Validate_DuplicateInputName_NamesTheInput()
    {
        OnnxModel model = TinyModels.Mlp(seed: 1);
        model.Graph.Inputs.Add(model.Graph.Inputs[0]);

        var e = Assert.Throws<OnnxGraphException>(() => OnnxModelValidator.Validate(model, "m.onnx"));
        Assert.Equal("m.onnx: graph input 'x' is declared twice.", e.Message);
    }

    [Fact]
    public void Validate_DuplicateNodeName_NamesTheNode()
    {
        OnnxModel model = TinyModels.Mlp(seed: 1);
        model.Graph.Nodes[1].Name = model.Graph.Nodes[0].Name;

        var e = Assert.Throws<OnnxGraphException>(() => OnnxModelValidator.Validate(model, "m.onnx"));
        Assert.Contains($"node name '{model.Graph.Nodes[0].Name}' is used by more than one node", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EmptyNodeNames_AreNotDuplicates()
    {
        OnnxModel model = TinyModels.Mlp(seed: 1);
        foreach (OnnxNode node in model.Graph.Nodes)
        {
            node.Name = "";
        }

        OnnxModelValidator.Validate(model, "m.onnx");
    }

    [Fact]
    public void Validate_ValueProducedTwice_NamesTheValue()
    {
        OnnxModel model = TinyModels.Mlp(seed: 1);
        model.Graph.Nodes[1].Outputs[0] = model.Graph.Nodes[0].Outputs[0];

        var e = Assert.Throws<OnnxGraphException>(() => OnnxModelValidator.Validate(model, "m.onnx"));
        Assert.Contains($"value '{model.Graph.Nodes[0].Outputs[0]}' is assigned twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownDefaultDomainOp_NamesNodeAndOp()
    {
        OnnxModel model = TinyModels.Mlp(seed: 1);
        OnnxNode relu = model.Graph.Nodes.Single(n => n.OpType == "Relu");
        model.Graph.Nodes[model.Graph.Nodes.IndexOf(relu)] = new OnnxNode("FooBar", relu.Inputs, relu.Outputs, relu.Name, "");

        var e = Assert.Throws<OnnxGraphException>(() => OnnxModelValidator.Validate(model, "m.onnx"));
        Assert.Contains("op 'FooBar'", e.Message, StringComparison.Ordinal);
        Assert.Contains(relu.Name, e.Message, StringComparison.Ordinal);
        Assert.Contains("not an operator of the default ONNX domain", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_OpNewerThanTheImportedOpset_NamesOpAndVersions()
    {
        var b = new GraphBuilder("g");
        string x = b.Input("x", TensorElementType.Float, 2, 3);
        b.Output(b.Op("Gelu", x), "y");
        OnnxModel model = b.ToModel(opset: 17);

        var e = Assert.Throws<OnnxGraphException>(() => OnnxModelValidator.Validate(model, "m.onnx"));
        Assert.Contains("op 'Gelu', which needs opset 20; the model imports opset 17", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Softmax", 99)]
    [InlineData("LogSoftmax", -3)]
    [InlineData("Softmax", 2)]
    public void Validate_SoftmaxAxisOutOfRange_NamesNodeAndAxis(string op, long axis)
    {
        var b = new GraphBuilder("g");
        string x = b.Input("x", TensorElementType.Float, 2, 3);
        b.Output(b.Op(op, [x], OnnxAttribute.Int("axis", axis)), "y");
        OnnxModel model = b.ToModel();

        var e = Assert.Throws<OnnxGraphException>(() => OnnxModelValidator.Validate(model, "m.onnx"));
        Assert.Contains($"axis={axis} is out of range [-2, 2)", e.Message, StringComparison.Ordinal);
        Assert.Contains(model.Graph.Nodes[0].Name, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Concat", 2)]
    [InlineData("Gather", -3)]
    [InlineData("Split", 5)]
    public void Validate_AxisOutOfRange_OtherOps(string op, long axis)
    {
        var b = new GraphBuilder("g");
        string x = b.Input("x", TensorElementType.Float, 2, 4);
        string[] inputs = op == "Gather" ? [x, b.Initializer(OnnxTensor.FromInt64s("idx", [0L], 1))] : [x];
        b.Output(b.Op(op, inputs, OnnxAttribute.Int("axis", axis)), "y");
        OnnxModel model = b.ToModel();

        var e = Assert.Throws<OnnxGraphException>(() => OnnxModelValidator.Validate(model, "m.onnx"));
        Assert.Contains($"axis={axis} is out of range [-2, 2)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SoftmaxAxisInRange_Passes()
    {
        var b = new GraphBuilder("g");
        string x = b.Input("x", TensorElementType.Float, 2, 3);
        b.Output(b.Op("Softmax", [x], OnnxAttribute.Int("axis", -2)), "y");

        OnnxModelValidator.Validate(b.ToModel(), "m.onnx");
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("", 99)]
    [InlineData("ai.onnx", 17)]
    public void Validate_SecondStandardOpsetImport_NamesTheDomain(string domain, long version)
    {
        OnnxModel model = TinyModels.Mlp(seed: 1);
        model.OpsetImports.Add(new OpsetImport(domain, version));

        var e = Assert.Throws<OnnxGraphException>(() => OnnxModelValidator.Validate(model, "m.onnx"));
        Assert.Contains($"domain 'ai.onnx' is imported twice", e.Message, StringComparison.Ordinal);
        Assert.Contains($"opset {version}", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(99)]
    public void Validate_StandardOpsetOutOfRange_NamesTheOpset(long version)
    {
        OnnxModel model = TinyModels.Mlp(seed: 1);
        model.OpsetImports.Clear();
        model.OpsetImports.Add(new OpsetImport("", version));

        var e = Assert.Throws<OnnxGraphException>(() => OnnxModelValidator.Validate(model, "m.onnx"));
        Assert.Contains($"standard opset {version} is not supported", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_OtherDomainAtOpsetZero_NamesTheDomain()
    {
        OnnxModel model = TinyModels.Mlp(seed: 1);
        model.OpsetImports.Add(new OpsetImport("ai.onnx.ml", 0));

        var e = Assert.Throws<OnnxGraphException>(() => OnnxModelValidator.Validate(model, "m.onnx"));
        Assert.Equal("m.onnx: domain 'ai.onnx.ml' is imported at opset 0; versions start at 1.", e.Message);
    }
}
