using Pipelines.Testing;
using Xunit;

namespace Pipelines.Onnx.Tests;

public class ShapeInferenceTests
{
    [Fact]
    public void BatchedMatMul_BroadcastsBatchDims()
    {
        var b = new GraphBuilder();
        string a = b.Input("a", TensorElementType.Float, "batch", 1, 5, 4);
        string w = b.Input("w", TensorElementType.Float, 3, 4, 6);
        string y = b.Op("MatMul", a, w);
        b.Output(y);

        var types = ShapeInference.Infer(b.Graph);

        Assert.Equal("Float[batch,3,5,6]", types[y].ToString());
    }

    [Fact]
    public void MatMul_InnerMismatch_NamesNodeAndShapes()
    {
        var b = new GraphBuilder();
        string a = b.Input("a", TensorElementType.Float, 2, 4);
        string w = b.Input("w", TensorElementType.Float, 5, 6);
        b.Output(b.Op("MatMul", a, w));

        var e = Assert.Throws<OnnxGraphException>(() => ShapeInference.Infer(b.Graph));
        Assert.Contains("MatMul", e.Message, StringComparison.Ordinal);
        Assert.Contains("Float[2,4]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_NonBroadcastable_Throws()
    {
        var b = new GraphBuilder();
        string a = b.Input("a", TensorElementType.Float, 2, 4);
        string c = b.Input("c", TensorElementType.Float, 3);
        b.Output(b.Op("Add", a, c));

        Assert.Throws<OnnxGraphException>(() => ShapeInference.Infer(b.Graph));
    }

    [Fact]
    public void Reshape_WithMinusOne_InfersStaticDim()
    {
        var b = new GraphBuilder();
        string a = b.Input("a", TensorElementType.Float, 2, 3, 4);
        string y = b.Op("Reshape", a, b.Int64s("shape", 4, -1));
        b.Output(y);

        Assert.Equal("Float[4,6]", ShapeInference.Infer(b.Graph)[y].ToString());
    }

    // the exporter's head split: Reshape(x, Concat(Gather(Shape(x), 0), Gather(Shape(x), 1), 12, 32)) keeps the symbols
    [Fact]
    public void Reshape_ToComputedShape_KeepsSymbolicDims()
    {
        var b = new GraphBuilder();
        string x = b.Input("x", TensorElementType.Float, "batch", "seq", 384);
        string shape = b.Op("Shape", x);
        string Dim(long i) => b.Op("Unsqueeze", b.Op("Gather", shape, b.Initializer(OnnxTensor.FromInt64s("i" + i, [i]))), b.Int64s("axes" + i, 0));
        string heads = b.Op("Reshape", x, b.Op("Concat", [Dim(0), Dim(1), b.Int64s("hd", 12, 32)], OnnxAttribute.Int("axis", 0)));
        string lead = b.Op("Slice", b.Op("Shape", heads), b.Int64s("s0", 0), b.Int64s("s1", 2));
        string merged = b.Op("Reshape", heads, b.Op("Concat", [lead, b.Int64s("m1", -1)], OnnxAttribute.Int("axis", 0)));
        string flat = b.Op("Reshape", merged, b.Int64s("flat", -1, 384));
        string doubled = b.Op("Reshape", merged, b.Op("Concat", [lead, b.Op("Mul", b.Int64s("half", 192), b.Int64s("two", 2))], OnnxAttribute.Int("axis", 0)));
        b.Output(flat);
        b.Output(doubled);

        var types = ShapeInference.Infer(b.Graph);

        Assert.Equal("Float[batch,seq,12,32]", types[heads].ToString());
        Assert.Equal("Float[batch,seq,384]", types[merged].ToString());
        Assert.Equal("Float[?,384]", types[flat].ToString()); // batch·seq has no single symbol
        Assert.Equal("Float[batch,seq,384]", types[doubled].ToString());
    }

    [Fact]
    public void ReduceAndTranspose_FollowAttributes()
    {
        var b = new GraphBuilder();
        string a = b.Input("a", TensorElementType.Float, "n", 3, 4);
        string t = b.Op("Transpose", [a], OnnxAttribute.IntList("perm", 2, 0, 1));
        string r = b.Op("ReduceSum", [t, b.Int64s("axes", 1)], OnnxAttribute.Int("keepdims", 0));
        b.Output(r);

        var types = ShapeInference.Infer(b.Graph);
        Assert.Equal("Float[4,n,3]", types[t].ToString());
        Assert.Equal("Float[4,3]", types[r].ToString());
    }

    [Fact]
    public void MiniLm_HiddenStateIsBatchBySequenceBy384()
    {
        var types = ShapeInference.Infer(MiniLm.Shared);

        Assert.Equal("Float[batch,sequence,384]", types["last_hidden_state"].ToString());
    }
}

public class ShapeInferenceSplitFlattenTests
{
    [Fact]
    public void Split_WithSizes_GivesEachOutputItsDim()
    {
        var b = new GraphBuilder();
        string a = b.Input("a", TensorElementType.Float, "n", 10);
        string[] parts = b.Node("Split", [a, b.Int64s("split", 3, 7)], 2, [OnnxAttribute.Int("axis", 1)]);
        b.Output(parts[0]);
        b.Output(parts[1]);

        var types = ShapeInference.Infer(b.Graph);

        Assert.Equal("Float[n,3]", types[parts[0]].ToString());
        Assert.Equal("Float[n,7]", types[parts[1]].ToString());
    }

    [Fact]
    public void Split_SizesNotSummingToDim_Throws()
    {
        var b = new GraphBuilder();
        string a = b.Input("a", TensorElementType.Float, 4, 10);
        string[] parts = b.Node("Split", [a, b.Int64s("split", 3, 3)], 2, [OnnxAttribute.Int("axis", 1)]);
        b.Output(parts[0]);

        Assert.Throws<OnnxGraphException>(() => ShapeInference.Infer(b.Graph));
    }

    [Fact]
    public void Split_Even_WithoutSizes()
    {
        var b = new GraphBuilder();
        string a = b.Input("a", TensorElementType.Float, 6, 4);
        string[] parts = b.Node("Split", [a], 3);
        b.Output(parts[2]);

        Assert.Equal("Float[2,4]", ShapeInference.Infer(b.Graph)[parts[2]].ToString());
    }

    [Theory]
    [InlineData(1, "Float[2,12]")]
    [InlineData(2, "Float[6,4]")]
    [InlineData(0, "Float[1,24]")]
    public void Flatten_MultipliesAroundAxis(long axis, string expected)
    {
        var b = new GraphBuilder();
        string a = b.Input("a", TensorElementType.Float, 2, 3, 4);
        string y = b.Op("Flatten", [a], OnnxAttribute.Int("axis", axis));
        b.Output(y);

        Assert.Equal(expected, ShapeInference.Infer(b.Graph)[y].ToString());
    }

    [Fact]
    public void Flatten_SymbolicBatch_StaysUnknownInFirstDim()
    {
        var b = new GraphBuilder();
        string a = b.Input("a", TensorElementType.Float, "batch", 3, 4);
        string y = b.Op("Flatten", a);
        b.Output(y);

        Assert.Equal("Float[?,12]", ShapeInference.Infer(b.Graph)[y].ToString());
    }
}
