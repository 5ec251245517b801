using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Transforms.Tests.LowRank;

/// <summary>X[N,8] → MatMul W1 (8×6) → Add b1 → Relu → Gemm(W2 stored 5×6, transB = 1, bias c) → Y[N,5].</summary>
internal static class TinyModel
{
    public const int In = 8;
    public const int Out = 5;

    public static OnnxModel Create(ulong seed = 1)
    {
        var rng = new GaussianSampler(seed);
        float[] Fill(int n)
        {
            float[] x = new float[n];
            rng.Fill(x);
            return x;
        }

        var b = new GraphBuilder("tiny");
        string x = b.Input("X", TensorElementType.Float, "N", In);
        string w1 = b.Initializer(OnnxTensor.FromFloats("W1", Fill(In * 6), In, 6));
        string b1 = b.Initializer(OnnxTensor.FromFloats("b1", Fill(6), 6));
        string w2 = b.Initializer(OnnxTensor.FromFloats("W2", Fill(Out * 6), Out, 6));
        string c = b.Initializer(OnnxTensor.FromFloats("c", Fill(Out), Out));
        string h = b.Op("Relu", b.Op("Add", b.Node("MatMul", [x, w1], name: "fc1")[0], b1));
        string y = b.Node("Gemm", [h, w2, c], attributes: [OnnxAttribute.Int("transB", 1)], name: "fc2")[0];
        b.Output(y, "Y", new TensorType(TensorElementType.Float, ["N", Out]));
        return b.ToModel();
    }

    public static float[] Input(int rows, ulong seed = 9)
    {
        float[] x = new float[rows * In];
        new GaussianSampler(seed).Fill(x);
        return x;
    }

    public static float[] Run(OnnxModel model, float[] x)
    {
        using OnnxSession s = OrtSessions.Create(model);
        using TensorBatch inputs = new TensorBatch().Add("X", x, x.Length / In, In);
        return s.RunFloat(inputs)["Y"].Data;
    }

    public static double MaxAbsDiff(float[] a, float[] b) => a.Zip(b, (p, q) => (double)Math.Abs(p - q)).Max();
}
