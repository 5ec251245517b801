using Google.Protobuf;
using Pipelines.Testing;
using Xunit;
using P = global::Onnx;

namespace Pipelines.Onnx.Tests;

/// <summary>Protobuf-level edits found by mutating a small model: each is a typed error naming the place, not an internal one.</summary>
public class MalformedModelTests
{
    [Fact]
    public void Load_AttributeWithoutName_NamesTheNode()
    {
        using var dir = new TempDirectory();
        string path = SaveEdited(dir, g => g.Node[0].Attribute.Add(new P.AttributeProto { Type = P.AttributeProto.Types.AttributeType.Int, I = 1 }));

        var e = Assert.Throws<OnnxFormatException>(() => OnnxModelIO.Load(path));
        Assert.Contains("has an attribute with no name", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(P.AttributeProto.Types.AttributeType.Graph, "'g'")]
    [InlineData(P.AttributeProto.Types.AttributeType.Tensor, "'t'")]
    public void Load_AttributeOfTypeWithoutValue_NamesAttributeAndField(P.AttributeProto.Types.AttributeType type, string field)
    {
        using var dir = new TempDirectory();
        string path = SaveEdited(dir, g => g.Node[0].Attribute.Add(new P.AttributeProto { Name = "body", Type = type }));

        var e = Assert.Throws<OnnxFormatException>(() => OnnxModelIO.Load(path));
        Assert.Contains("attribute 'body'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"no {field} value", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Summary_MatMulWithoutOutputs_IsNotAnInternalError()
    {
        OnnxModel model = TinyModels.Mlp(seed: 1);
        model.Graph.Nodes.First(n => n.OpType == "MatMul").Outputs.Clear();

        ModelSummary summary = ModelSummary.Create(model);

        Assert.Single(summary.Weights);
    }

    private static string SaveEdited(TempDirectory dir, Action<P.GraphProto> edit)
    {
        string path = dir.File("m.onnx");
        P.ModelProto proto = P.ModelProto.Parser.ParseFrom(OnnxModelIO.ToBytes(TinyModels.Mlp(seed: 1)));
        edit(proto.Graph);
        File.WriteAllBytes(path, proto.ToByteArray());
        return path;
    }
}
