using Xunit;

namespace Pipelines.Onnx.Tests.Autodiff;

/// <summary>Every gradient rule against central finite differences in float64 (relative error ≤ 1e-6).</summary>
public class GradientRuleTests
{
    private const double Tolerance = 1e-6;

    private static OnnxAttribute I(string name, long v) => OnnxAttribute.Int(name, v);

    private static OnnxAttribute Is(string name, params long[] v) => OnnxAttribute.IntList(name, v);

    [Theory]
    [InlineData("Add", 0)]
    [InlineData("Sub", 1)]
    [InlineData("Mul", 2)]
    [InlineData("Div", 3)]
    [InlineData("Add", 4)]
    [InlineData("Mul", 5)]
    public void Binary_BroadcastingRandomShapes(string op, int seed)
    {
        var c = new GradCase(seed);
        long[] full = [2, 1 + c.Rng.Next(3), 2 + c.Rng.Next(3)];

        // b: a random suffix of full with some dims set to 1 (numpy broadcasting)
        int rank = 1 + c.Rng.Next(3);
        long[] small = full[^rank..].Select(d => c.Rng.Next(2) == 0 ? 1 : d).ToArray();
        bool swap = c.Rng.Next(2) == 0;
        string a = c.ParamIn("a", 0.5, 1.5, swap ? small : full);
        string b = c.ParamIn("b", 0.5, 1.5, swap ? full : small);
        Assert.InRange(c.Check(c.Op(op, a, b)), 0, Tolerance);
    }

    [Fact]
    public void Pow_BaseAndExponent()
    {
        var c = new GradCase();
        string a = c.ParamIn("a", 0.5, 2, 3, 4);
        string e = c.ParamIn("e", 1.5, 2.5, 4);
        Assert.InRange(c.Check(c.Op("Pow", a, e)), 0, Tolerance);
    }

    [Fact]
    public void Pow_ConstantExponentAsInDecomposedLayerNorm()
    {
        var c = new GradCase();
        string a = c.ParamIn("a", -2, 2, 3, 4);
        string two = c.B.Initializer(OnnxTensor.FromDoubles("two", [2.0]));
        Assert.InRange(c.Check(c.Op("Pow", a, two)), 0, Tolerance);
    }

    [Theory]
    [InlineData("Neg", -2.0, 2.0)]
    [InlineData("Sqrt", 0.5, 2.0)]
    [InlineData("Exp", -1.0, 1.0)]
    [InlineData("Log", 0.5, 2.0)]
    [InlineData("Tanh", -2.0, 2.0)]
    [InlineData("Sigmoid", -3.0, 3.0)]
    [InlineData("Relu", 0.1, 1.0)]
    [InlineData("Abs", 0.1, 1.0)]
    [InlineData("Reciprocal", 0.5, 2.0)]
    [InlineData("Identity", -1.0, 1.0)]
    public void Unary(string op, double lo, double hi)
    {
        var c = new GradCase();
        string x = c.ParamIn("x", lo, hi, 3, 5);
        if (op is "Relu" or "Abs")
        {
            // both signs, away from the kink at 0
            x = c.Op("Mul", x, c.B.Initializer(OnnxTensor.FromDoubles("sign", [1, -1, 1, -1, 1], 5)));
        }

        Assert.InRange(c.Check(c.Op(op, x)), 0, Tolerance);
    }

    [Fact]
    public void Erf_ThroughFloat32()
    {
        // ONNX Runtime's CPU provider has no float64 Erf kernel: check the rule in float32 between casts, with a
        // wider step (float rounding ~6e-8 / step) and a tolerance to match.
        var c = new GradCase();
        string x = c.ParamIn("x", -2, 2, 3, 5);
        string xf = c.Op("Cast", [x], I("to", (long)TensorElementType.Float));
        string y = c.Op("Cast", [c.Op("Erf", xf)], I("to", (long)TensorElementType.Double));
        Assert.InRange(c.Check(y, dims: [3, 5], step: 1e-2), 0, 2e-4);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("tanh")]
    public void Gelu_Opset20(string approximate)
    {
        var c = new GradCase();
        string x = c.ParamIn("x", -3, 3, 4, 6);
        if (approximate == "tanh")
        {
            Assert.InRange(c.Check(c.Op("Gelu", [x], OnnxAttribute.String("approximate", approximate))), 0, Tolerance);
            return;
        }

        // exact GELU expands to Erf, which ONNX Runtime's CPU provider has for float only (see Erf_ThroughFloat32)
        string xf = c.Op("Cast", [x], I("to", (long)TensorElementType.Float));
        string y = c.Op("Cast", [c.Op("Gelu", [xf], OnnxAttribute.String("approximate", approximate))], I("to", (long)TensorElementType.Double));
        Assert.InRange(c.Check(y, dims: [4, 6], step: 1e-2), 0, 2e-4);
    }

    [Theory]
    [InlineData(new long[] { 2, 3, 4, 5 }, new long[] { 5, 6 })]
    [InlineData(new long[] { 3, 4 }, new long[] { 2, 4, 5 })]
    [InlineData(new long[] { 4 }, new long[] { 2, 4, 5 })]
    [InlineData(new long[] { 2, 3, 4 }, new long[] { 4 })]
    [InlineData(new long[] { 4 }, new long[] { 4 })]
    [InlineData(new long[] { 2, 1, 3, 4 }, new long[] { 5, 4, 6 })]
    [InlineData(new long[] { 2, 3, 4 }, new long[] { 2, 4, 3 })]
    [InlineData(new long[] { 3, 4 }, new long[] { 4, 5 })]
    public void MatMul_BatchedAndBroadcast(long[] aShape, long[] bShape)
    {
        var c = new GradCase();
        string a = c.Param("a", aShape);
        string b = c.Param("b", bShape);
        Assert.InRange(c.Check(c.Op("MatMul", a, b)), 0, Tolerance);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    public void Gemm_Transposes_AlphaBeta_BroadcastC(int transA, int transB)
    {
        var c = new GradCase();
        string a = c.Param("a", transA == 1 ? [4, 3] : [3, 4]);
        string b = c.Param("b", transB == 1 ? [5, 4] : [4, 5]);
        string bias = c.Param("c", 5);
        string y = c.Op("Gemm", [a, b, bias], I("transA", transA), I("transB", transB), OnnxAttribute.Float("alpha", 0.7f), OnnxAttribute.Float("beta", 1.3f));
        Assert.InRange(c.Check(y), 0, Tolerance);
    }

    [Theory]
    [InlineData("Softmax", -1)]
    [InlineData("Softmax", 1)]
    [InlineData("LogSoftmax", -1)]
    [InlineData("LogSoftmax", 0)]
    public void SoftmaxFamily(string op, long axis)
    {
        var c = new GradCase();
        string x = c.ParamIn("x", -2, 2, 2, 3, 4);
        Assert.InRange(c.Check(c.Op(op, [x], I("axis", axis))), 0, Tolerance);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public void LayerNormalization_ScaleBias(long axis)
    {
        var c = new GradCase();
        string x = c.ParamIn("x", -2, 2, 2, 3, 4);
        long[] paramShape = axis == -1 ? [4] : [3, 4];
        string scale = c.ParamIn("scale", 0.5, 1.5, paramShape);
        string bias = c.Param("bias", paramShape);
        string y = c.B.Node("LayerNormalization", [x, scale, bias], 1, [I("axis", axis), OnnxAttribute.Float("epsilon", 1e-3f)])[0];
        Assert.InRange(c.Check(y), 0, Tolerance);
    }

    [Theory]
    [InlineData("ReduceSum", 1, 21)]
    [InlineData("ReduceSum", 0, 21)]
    [InlineData("ReduceMean", 1, 21)]
    [InlineData("ReduceMean", 0, 21)]
    [InlineData("ReduceMean", 0, 13)]
    [InlineData("ReduceMean", 1, 13)]
    [InlineData("ReduceL2", 1, 21)]
    [InlineData("ReduceL2", 0, 21)]
    [InlineData("ReduceL2", 0, 13)]
    [InlineData("ReduceSumSquare", 1, 21)]
    [InlineData("ReduceSumSquare", 0, 13)]
    public void Reductions(string op, int keepDims, long opset)
    {
        var c = new GradCase();
        string x = c.Param("x", 2, 3, 4);
        bool axesInput = op == "ReduceSum" || opset >= 18;
        string y = axesInput
            ? c.Op(op, [x, c.Ints("axes", [-1, 0], 2)], I("keepdims", keepDims))
            : c.Op(op, [x], Is("axes", -1, 0), I("keepdims", keepDims));
        Assert.InRange(c.Check(y, opset), 0, Tolerance);
    }

    [Fact]
    public void ReduceMean_AllAxes()
    {
        var c = new GradCase();
        string x = c.Param("x", 2, 3, 4);
        Assert.InRange(c.CheckScalar(c.Op("ReduceMean", [c.Op("Mul", x, x)], I("keepdims", 0))), 0, Tolerance);
    }

    [Fact]
    public void ShapeOps_ReshapeTransposeSqueezeUnsqueezeFlattenExpand()
    {
        var c = new GradCase();
        string x = c.Param("x", 2, 3, 4);
        string t = c.Op("Transpose", [x], Is("perm", 2, 0, 1));                   // [4,2,3]
        string r = c.Op("Reshape", t, c.Ints("shape", [4, 1, 6], 3));              // [4,1,6]
        string sq = c.Op("Squeeze", r, c.Ints("ax1", [1], 1));                     // [4,6]
        string un = c.Op("Unsqueeze", sq, c.Ints("ax0", [0], 1));                  // [1,4,6]
        string ex = c.Op("Expand", un, c.Ints("eshape", [3, 4, 6], 3));            // [3,4,6]
        string fl = c.Op("Flatten", [ex], I("axis", 1));                           // [3,24]
        string rev = c.Op("Transpose", fl);                                        // [24,3]
        Assert.InRange(c.Check(c.Op("Mul", rev, rev), dims: [24, 3]), 0, Tolerance);
    }

    [Fact]
    public void Concat_Split_Slice()
    {
        var c = new GradCase();
        string a = c.Param("a", 2, 3);
        string b = c.Param("b", 2, 4);
        string cat = c.Op("Concat", [a, b, a], I("axis", -1));                     // [2,10]
        string[] parts = c.B.Node("Split", [cat, c.Ints("split", [4, 6], 2)], 2, [I("axis", 1)]);
        string sliced = c.Op("Slice", parts[1], c.Ints("starts", [5, 0], 2), c.Ints("ends", [-100, 2], 2), c.Ints("axes", [1, 0], 2), c.Ints("steps", [-2, 1], 2));
        string y = c.Op("Concat", [sliced, c.Op("Mul", parts[0], parts[0])], I("axis", 1));
        Assert.InRange(c.Check(y, dims: [2, 7]), 0, Tolerance);
    }

    [Fact]
    public void Split_UnusedOutputGetsZeros()
    {
        var c = new GradCase();
        string a = c.Param("a", 3, 6);
        string[] parts = c.B.Node("Split", [a, c.Ints("split", [2, 1, 3], 3)], 3, [I("axis", 1)]);
        Assert.InRange(c.Check(c.Op("Mul", parts[0], parts[0]), dims: [3, 2]), 0, Tolerance);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Gather_RepeatedAndNegativeIndices(long axis)
    {
        var c = new GradCase();
        string data = c.Param("emb", 5, 4, 3);
        string idx = c.Ints("idx", [1, 0, 1, -1, 2, 1], 2, 3);
        Assert.InRange(c.Check(c.Op("Gather", [data, idx], I("axis", axis))), 0, Tolerance);
    }

    [Fact]
    public void Gather_ScalarIndex()
    {
        var c = new GradCase();
        string data = c.Param("emb", 5, 4);
        string idx = c.B.Initializer(OnnxTensor.FromInt64s("idx", [3]));
        Assert.InRange(c.Check(c.Op("Gather", [data, idx], I("axis", 0))), 0, Tolerance);
    }

    [Fact]
    public void GatherElements_Repeated()
    {
        var c = new GradCase();
        string data = c.Param("x", 3, 4);
        string idx = c.Ints("idx", [0, 0, 3, 1, 2, 2, 1, 1, 0, 3, 3, 3], 3, 4);
        Assert.InRange(c.Check(c.Op("GatherElements", [data, idx], I("axis", 1))), 0, Tolerance);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("add")]
    public void ScatterElements_MessagePassing(string reduction)
    {
        var c = new GradCase();
        string data = c.Param("x", 4, 3);
        string upd = c.Param("u", 2, 3);
        long[] idx = reduction == "add" ? [1, 3, 1, 1, 0, 2] : [1, 3, 0, 2, 0, 2];
        string y = c.Op("ScatterElements", [data, c.Ints("idx", idx, 2, 3), upd], I("axis", 0), OnnxAttribute.String("reduction", reduction));
        Assert.InRange(c.Check(y), 0, Tolerance);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("add")]
    public void ScatterNd_MessagePassing(string reduction)
    {
        var c = new GradCase();
        string data = c.Param("x", 5, 3);
        string upd = c.Param("u", 4, 3);
        long[] idx = reduction == "add" ? [1, 3, 1, 4] : [1, 3, 0, 4];
        string y = c.Op("ScatterND", [data, c.Ints("idx", idx, 4, 1), upd], OnnxAttribute.String("reduction", reduction));
        Assert.InRange(c.Check(y), 0, Tolerance);
    }

    // Sparse GINE message passing: agg = scatter_add(zeros(h), tgt, ReLU(gather(h, src) + e)), h feeding gather and self term.
    [Fact]
    public void GatherReluScatterNdAdd_SparseMessagePassing()
    {
        var c = new GradCase();
        string h = c.Param("h", 5, 3);
        string e = c.Param("e", 7, 3);
        string src = c.Ints("src", [0, 1, 1, 2, 3, 4, 0], 7);
        string tgt = c.Ints("tgt", [1, 0, 2, 1, 4, 3, 1], 7, 1);
        string msg = c.Op("Relu", c.Op("Add", c.Op("Gather", [h, src], I("axis", 0)), e));
        string zeros = c.Op("ConstantOfShape", [c.Op("Shape", h)], OnnxAttribute.Tensor("value", OnnxTensor.FromDoubles("value", [0.0], 1)));
        string agg = c.Op("ScatterND", [zeros, tgt, msg], OnnxAttribute.String("reduction", "add"));
        Assert.InRange(c.Check(c.Op("Add", c.Op("Mul", h, h), agg)), 0, Tolerance);
    }

    [Fact]
    public void Where_CastIdentity_Broadcast()
    {
        var c = new GradCase();
        string a = c.Param("a", 3, 4);
        string b = c.Param("b", 4);
        string cond = c.Op("Greater", c.Const("r", -1, 1, 3, 4), c.B.Initializer(OnnxTensor.FromDoubles("zero", [0.0])));
        string y = c.Op("Where", cond, a, b);
        string cast = c.Op("Cast", [y], I("to", (long)TensorElementType.Double));
        Assert.InRange(c.Check(c.Op("Identity", cast)), 0, Tolerance);
    }

    [Fact]
    public void Dropout_InferenceModeIsIdentity_TrainingWithRatioZero()
    {
        var c = new GradCase();
        string x = c.Param("x", 3, 4);
        string y1 = c.Op("Dropout", x);
        string ratio = c.B.Initializer(OnnxTensor.FromDoubles("ratio", [0.0]));
        string train = c.B.Initializer(OnnxTensor.Create<bool>("train", TensorElementType.Bool, [true]));
        string y2 = c.B.Node("Dropout", [x, ratio, train], 1, [I("seed", 3)])[0];
        Assert.InRange(c.Check(c.Op("Add", y1, c.Op("Mul", y2, y2))), 0, Tolerance);
    }

    [Theory]
    [InlineData("mean", false, false)]
    [InlineData("mean", true, true)]
    [InlineData("sum", true, false)]
    [InlineData("none", false, true)]
    public void SoftmaxCrossEntropyLoss_WeightsIgnoreIndex(string reduction, bool weights, bool ignore)
    {
        var c = new GradCase();
        string scores = c.ParamIn("scores", -2, 2, 3, 4, 2);                          // [N=3, C=4, d=2]
        string labels = c.Ints("labels", [0, 3, 2, 2, 1, 0], 3, 2);
        var inputs = new List<string> { scores, labels };
        if (weights)
        {
            inputs.Add(c.Const("w", 0.5, 1.5, 4));
        }

        var attrs = new List<OnnxAttribute> { OnnxAttribute.String("reduction", reduction) };
        if (ignore)
        {
            attrs.Add(I("ignore_index", 2));
        }

        string[] outs = c.B.Node("SoftmaxCrossEntropyLoss", inputs, 2, attrs);
        string y = reduction == "none" ? outs[0] : c.Op("Unsqueeze", outs[0], c.Ints("ax", [0], 1));
        string combined = c.Op("Add", c.Op("ReduceSum", [y], I("keepdims", 0)), c.Op("ReduceSum", [c.Op("Mul", outs[1], c.Const("k", 0, 0.1, 3, 4, 2))], I("keepdims", 0)));
        Assert.InRange(c.CheckScalar(combined), 0, Tolerance);
    }

    [Fact]
    public void ShapeComputations_PassThroughUntouched()
    {
        // y = Reshape(x, Concat(Shape(x)[0], -1)) · W: the int64 shape path needs no rule
        var c = new GradCase();
        string x = c.Param("x", 2, 3, 4);
        string w = c.Param("w", 12, 5);
        string batch = c.Op("Gather", [c.Op("Shape", x), c.Ints("zero", [0], 1)], I("axis", 0));
        string shape = c.Op("Concat", [batch, c.Ints("minus1", [-1], 1)], I("axis", 0));
        string flat = c.Op("Reshape", x, shape);
        string n = c.Op("Cast", [c.Op("Size", x)], I("to", (long)TensorElementType.Double));
        Assert.InRange(c.Check(c.Op("Div", c.Op("MatMul", flat, w), n), dims: [2, 5]), 0, Tolerance);
    }
}
