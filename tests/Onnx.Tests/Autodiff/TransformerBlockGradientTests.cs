using Xunit;

namespace Pipelines.Onnx.Tests.Autodiff;

/// <summary>
/// Whole-model check on a two-layer transformer encoder written the way PyTorch exports BERT-style models: embedding
/// Gather, LayerNorm decomposed into ReduceMean/Sub/Pow/Sqrt/Div, attention through Reshape/Transpose/MatMul/Softmax
/// with additive mask arithmetic, tanh-GELU, residuals. Every weight is trainable; float64; relative error ≤ 1e-6.
/// </summary>
public class TransformerBlockGradientTests
{
    private const int Batch = 2, Seq = 4, Model = 8, Heads = 2, Ffn = 12, Vocab = 7;

    private static OnnxAttribute I(string name, long v) => OnnxAttribute.Int(name, v);

    [Fact]
    public void TwoLayerEncoder_AllWeights_MatchFiniteDifferences()
    {
        var c = new GradCase(11);
        string ids = c.Ints("input_ids", [1, 4, 6, 0, 2, 2, 5, 0], Batch, Seq);
        string mask = c.B.Initializer(OnnxTensor.FromDoubles("mask", [1, 1, 1, 0, 1, 1, 1, 1], Batch, Seq));
        string emb = c.ParamIn("emb", -0.5, 0.5, Vocab, Model);
        string x = c.Op("Gather", [emb, ids], I("axis", 0));                                  // [B,S,D]

        // additive mask [B,1,1,S]: (1 - mask) * -10000
        string m4 = c.Op("Unsqueeze", c.Op("Unsqueeze", mask, c.Ints("a1", [1], 1)), c.Ints("a2", [2], 1));
        string one = c.B.Initializer(OnnxTensor.FromDoubles("one", [1.0]));
        string big = c.B.Initializer(OnnxTensor.FromDoubles("neg", [-10000.0]));
        string additive = c.Op("Mul", c.Op("Sub", one, m4), big);

        for (int layer = 0; layer < 2; layer++)
        {
            x = Layer(c, x, additive, layer);
        }

        // mean-pool the sequence, then a tiny classification head with SoftmaxCrossEntropyLoss
        string pooled = c.Op("ReduceMean", [x], OnnxAttribute.IntList("axes", 1), I("keepdims", 0));   // opset 17: axes attribute
        string head = c.Param("head", Model, 3);
        string logits = c.Op("MatMul", pooled, head);
        string labels = c.Ints("labels", [2, 0], Batch);
        string loss = c.B.Node("SoftmaxCrossEntropyLoss", [logits, labels], 1)[0];
        string hidden = c.Op("ReduceMean", [c.Op("Mul", x, x)], I("keepdims", 0));
        double worst = c.CheckScalar(c.Op("Add", loss, hidden), opset: 17);
        Assert.InRange(worst, 0, 1e-6);
    }

    private static string Layer(GradCase c, string x, string additive, int layer)
    {
        string p = "l" + layer + "_";
        string Linear(string input, string name, int inDim, int outDim) =>
            c.Op("Add", c.Op("MatMul", input, c.ParamIn(p + name + "_w", -0.4, 0.4, inDim, outDim)), c.ParamIn(p + name + "_b", -0.1, 0.1, outDim));

        string q = Heads4(c, Linear(x, "q", Model, Model));
        string k = Heads4(c, Linear(x, "k", Model, Model));
        string v = Heads4(c, Linear(x, "v", Model, Model));
        string kt = c.Op("Transpose", [k], OnnxAttribute.IntList("perm", 0, 1, 3, 2));
        string scale = c.B.Initializer(OnnxTensor.FromDoubles(p + "scale", [Math.Sqrt(Model / Heads)]));
        string scores = c.Op("Add", c.Op("Div", c.Op("MatMul", q, kt), scale), additive);
        string probs = c.Op("Softmax", [scores], I("axis", -1));
        string ctx = c.Op("Transpose", [c.Op("MatMul", probs, v)], OnnxAttribute.IntList("perm", 0, 2, 1, 3));
        string merged = c.Op("Reshape", ctx, c.Ints(p + "merge", [Batch, Seq, Model], 3));
        string attn = LayerNorm(c, c.Op("Add", Linear(merged, "o", Model, Model), x), p + "ln1");

        // tanh-GELU spelled out: 0.5·h·(1 + tanh(√(2/π)(h + 0.044715 h³)))
        string h = Linear(attn, "ffn_in", Model, Ffn);
        string cube = c.Op("Pow", h, c.B.Initializer(OnnxTensor.FromDoubles(p + "three", [3.0])));
        string inner = c.Op("Mul", c.Op("Add", h, c.Op("Mul", cube, c.B.Initializer(OnnxTensor.FromDoubles(p + "k", [0.044715])))), c.B.Initializer(OnnxTensor.FromDoubles(p + "c", [Math.Sqrt(2 / Math.PI)])));
        string gelu = c.Op("Mul", c.Op("Mul", h, c.B.Initializer(OnnxTensor.FromDoubles(p + "half", [0.5]))), c.Op("Add", c.B.Initializer(OnnxTensor.FromDoubles(p + "one", [1.0])), c.Op("Tanh", inner)));
        return LayerNorm(c, c.Op("Add", Linear(gelu, "ffn_out", Ffn, Model), attn), p + "ln2");
    }

    // [B,S,D] → [B,H,S,D/H]
    private static string Heads4(GradCase c, string x)
    {
        string r = c.Op("Reshape", x, c.Ints("heads", [Batch, Seq, Heads, Model / Heads], 4));
        return c.Op("Transpose", [r], OnnxAttribute.IntList("perm", 0, 2, 1, 3));
    }

    // (x − mean) / sqrt(mean((x − mean)²) + ε) · γ + β, as the PyTorch exporter decomposes it (opset 13..17)
    private static string LayerNorm(GradCase c, string x, string name)
    {
        string mean = c.Op("ReduceMean", [x], OnnxAttribute.IntList("axes", -1));
        string xc = c.Op("Sub", x, mean);
        string var = c.Op("ReduceMean", [c.Op("Pow", xc, c.B.Initializer(OnnxTensor.FromDoubles(name + "_two", [2.0])))], OnnxAttribute.IntList("axes", -1));
        string std = c.Op("Sqrt", c.Op("Add", var, c.B.Initializer(OnnxTensor.FromDoubles(name + "_eps", [1e-5]))));
        string norm = c.Op("Div", xc, std);
        return c.Op("Add", c.Op("Mul", norm, c.ParamIn(name + "_g", 0.8, 1.2, Model)), c.ParamIn(name + "_b", -0.1, 0.1, Model));
    }
}
