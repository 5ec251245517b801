using Pipelines.Onnx.Runtime;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Onnx.Tests;

public class GraphBuilderTests
{
    [Fact]
    public void UniqueName_NeverRepeats_AndAvoidsExistingNames()
    {
        var b = new GraphBuilder(TinyModels.Mlp(seed: 1).Graph);
        var names = Enumerable.Range(0, 50).Select(_ => b.UniqueName("W1")).ToList();

        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.DoesNotContain("W1", names);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void ScatterAddRows_SumsRepeatedRowsExactly_AtAnyThreadCount(int threads)
    {
        // 200,000 updates of 1 into 2 rows of 2 columns: every partial sum is an integer below 2^24, so the float sum is
        // exact in any order, and a lost update (ORT's ScatterND reduction add races on repeated rows) shows as a deficit.
        const int k = 200_000;
        var b = new GraphBuilder("scatter");
        string updates = b.Input("updates", TensorElementType.Float, k, 2);
        long[] rows = Enumerable.Range(0, k).Select(i => (long)(i % 7 == 0 ? 1 : 0)).ToArray();
        string index = b.Initializer(OnnxTensor.FromInt64s("rows", rows, k, 1));
        string zeros = b.Op("ConstantOfShape", b.Int64s("shape", 2, 2));
        b.Output(b.ScatterAddRows(zeros, index, updates), "sum", new TensorType(TensorElementType.Float, [2, 2]));
        using OnnxSession session = OrtSessions.Create(b.ToModel(), new SessionSettings { IntraOpThreads = threads });
        using TensorBatch inputs = new TensorBatch().Add("updates", Enumerable.Repeat(1f, k * 2).ToArray(), k, 2);
        for (int repeat = 0; repeat < 5; repeat++)
        {
            float[] sum = session.RunFloat(inputs)["sum"].Data;
            long ones = rows.Count(r => r == 1);
            Assert.Equal([k - ones, k - ones, ones, ones], sum.Select(v => (long)v).ToArray());
        }
    }

    [Fact]
    public void Mlp_RunsInOrt_AndMatchesCSharpArithmetic()
    {
        OnnxModel model = TinyModels.Mlp(seed: 7);
        float[] x = [0.5f, -1f, 2f, 0.25f, 1f, 1f, -0.5f, 0f];
        using OnnxSession session = OrtSessions.Create(model);
        using TensorBatch inputs = new TensorBatch().Add("x", x, 2, 4);
        float[] y = session.RunFloat(inputs)["y"].Data;

        var g = model.Graph;
        float[] w1 = g.FindInitializer("W1")!.ToArray<float>();
        float[] b1 = g.FindInitializer("b1")!.ToArray<float>();
        float[] w2 = g.FindInitializer("W2")!.ToArray<float>();
        float[] b2 = g.FindInitializer("b2")!.ToArray<float>();
        for (int r = 0; r < 2; r++)
        {
            float[] h = new float[8];
            for (int j = 0; j < 8; j++)
            {
                float s = b1[j];
                for (int k = 0; k < 4; k++)
                {
                    s += x[(r * 4) + k] * w1[(k * 8) + j];
                }

                h[j] = MathF.Max(0, s);
            }

            for (int j = 0; j < 3; j++)
            {
                float s = b2[j];
                for (int k = 0; k < 8; k++)
                {
                    s += h[k] * w2[(k * 3) + j];
                }

                Assert.Equal(s, y[(r * 3) + j], 5);
            }
        }
    }

    [Fact]
    public void Sort_ReordersNodesAppendedOutOfOrder()
    {
        OnnxModel model = TinyModels.Mlp(seed: 1);
        model.Graph.Nodes.Reverse();

        GraphTopology.Sort(model.Graph);

        OnnxModelValidator.Validate(model);
    }

    [Fact]
    public void Sort_Cycle_Throws()
    {
        var b = new GraphBuilder("cyclic");
        string x = b.Input("x", TensorElementType.Float, 2);
        b.NodeTo("Add", [x, "c"], ["a"]);
        b.NodeTo("Relu", ["a"], ["c"]);
        b.Output("c");

        var e = Assert.Throws<OnnxGraphException>(() => GraphTopology.Sort(b.Graph));
        Assert.Contains("cycle", e.Message, StringComparison.Ordinal);
    }
}
