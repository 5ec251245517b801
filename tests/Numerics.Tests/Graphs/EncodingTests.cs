using Pipelines.Numerics.Graphs;
using Xunit;

namespace Pipelines.Numerics.Tests.Graphs;

public class EncodingTests
{
    [Fact]
    public void RandomWalk_MatchesDenseMatrixPowers()
    {
        GraphStructure g = RandomGraphs.ErdosRenyi(30, 0.15, new Random(5)).DisjointUnion(new GraphStructure(1, [], []));
        int n = g.NodeCount;
        const int k = 6;
        var pe = new float[n * k];
        RandomWalkEncoding.Compute(g, k, pe);
        double[] a = GraphTestMath.Adjacency(g);
        var p = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                p[(i * n) + j] = g.WeightedDegrees[i] > 0 ? a[(i * n) + j] / g.WeightedDegrees[i] : 0;
            }
        }

        double[] power = p;
        for (int t = 0; t < k; t++)
        {
            for (int i = 0; i < n; i++)
            {
                Assert.True(Math.Abs(power[(i * n) + i] - pe[(i * k) + t]) < 1e-6, $"node {i} step {t + 1}");
            }

            power = GraphTestMath.MatMul(power, p, n);
        }

        Assert.Equal(0f, pe[((n - 1) * k) + 1]); // isolated node
    }

    [Fact]
    public void RandomWalk_CycleReturnProbabilities()
    {
        var pe = new float[6 * 4];
        RandomWalkEncoding.Compute(RandomGraphs.Cycle(6), 4, pe);
        Assert.Equal(0f, pe[0]);
        Assert.Equal(0.5f, pe[1], 6);
        Assert.Equal(0f, pe[2]);
        Assert.Equal(0.375f, pe[3], 6);
    }

    [Fact]
    public void LapPe_SignIsCanonicalUnderColumnFlips()
    {
        GraphStructure g = RandomGraphs.ErdosRenyi(12, 0.3, new Random(9));
        Spectrum s = LaplacianSpectrum.Compute(g, new SpectrumOptions(K: 6));
        var flipped = (double[])s.Vectors.Clone();
        for (int i = 0; i < s.NodeCount; i++)
        {
            flipped[(i * s.Count) + 2] *= -1;
            flipped[(i * s.Count) + 4] *= -1;
        }

        var a = new float[12 * 6];
        var b = new float[12 * 6];
        LaplacianEigenvectorEncoding.Compute(s, 6, a);
        LaplacianEigenvectorEncoding.Compute(s.WithVectors(flipped), 6, b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void CanonicalHash_IgnoresEdgeOrderDirectionAndDuplicates()
    {
        var a = new GraphStructure(4, [0, 1, 2], [1, 2, 3]);
        var b = new GraphStructure(4, [3, 1, 1, 0, 2], [2, 0, 2, 1, 1]);
        var c = new GraphStructure(4, [0, 1, 2], [1, 2, 0]);
        Assert.Equal(CanonicalGraphHash.Compute(a), CanonicalGraphHash.Compute(b));
        Assert.NotEqual(CanonicalGraphHash.Compute(a), CanonicalGraphHash.Compute(c));
        Assert.NotEqual(CanonicalGraphHash.Compute(a), CanonicalGraphHash.Compute(a.WithWeights([1, 2, 1])));
    }
}
