using Pipelines.Numerics.Graphs;
using Pipelines.Numerics.Topology;
using Xunit;

namespace Pipelines.Numerics.Tests.Topology.Mma;

public sealed class MmaRepresentationTests
{
    private static readonly MeasureBox s_unit = new(0f, 1f, 0f, 1f);

    [Fact]
    public void OneVertex_ImageAndLandscapeHaveTheirClosedForms()
    {
        // A single vertex at (0.2, 0.3): H0 is the upset of that corner; in the unit box the longest diagonal segment
        // runs from (0.2, 0.3) to (0.9, 1.0) on the swept line c = 0.1, so w = 0.7.
        var filtration = new GraphBifiltration(GraphStructure.FromEdges(1), [0.2f], [0.3f]);
        MmaModule module = ModuleApproximation.Compute(filtration, new ModuleApproximationOptions { Precision = 0.1f, MaxDegree = 0, Box = s_unit });
        MmaSummand s = Assert.Single(module.Summands(0));
        Assert.Equal(0.7f, s.Weight(module.Box, module.LineOffsets), 5);
        var image = new float[11 * 11];
        MmaRepresentation.Image(module, 0, 11, 0.2f, 1f, image);
        Assert.Equal(0.7f, image[(5 * 11) + 5], 5);
        Assert.Equal(0.7f * MathF.Exp(-0.09f / (2 * 0.04f)), image[0], 5);
        Assert.Equal(0.7f * MathF.Exp(-0.01f / (2 * 0.04f)), image[(1 * 11) + 2], 5);
        var land = new float[2 * 11 * 11];
        MmaRepresentation.Landscapes(module, 0, 2, 11, land);
        Assert.Equal(0.3f, land[(5 * 11) + 6], 5);
        Assert.Equal(0f, land[121 + (5 * 11) + 6]);
        Assert.Equal(0f, land[(1 * 11) + 9]);
    }

    private static (DistanceMatrix D, float[] C) Cloud(int n, int seed)
    {
        float[] pts = TopologyTestData.NoisyAnnulus(n, 0.15f, seed);
        DistanceMatrix dm = DistanceMatrix.FromPoints(pts, 2);
        return (dm, Codensity.Compute(dm, 2, CodensityKind.GaussianKde, 0.5f));
    }

    private static (DistanceMatrix D, float[] C) Perturb(DistanceMatrix d, float[] c, float epsilon, int seed)
    {
        var rng = new Random(seed);
        float[] lower = [.. d.Lower.ToArray().Select(x => MathF.Max(0f, x + (epsilon * (float)((2 * rng.NextDouble()) - 1))))];
        float[] c2 = [.. c.Select(x => x + (epsilon * (float)((2 * rng.NextDouble()) - 1)))];
        return (DistanceMatrix.FromLowerTriangle(d.Count, lower), c2);
    }

    [Theory]
    [InlineData(10, 21)]
    [InlineData(12, 22)]
    [InlineData(14, 23)]
    [InlineData(16, 24)]
    public void Landscapes_MoveByAtMostEpsilon_OnGridPointsOfTheSweptLines(int n, int seed)
    {
        const float Epsilon = 1e-3f;
        const float Threshold = 1.5f;
        (DistanceMatrix d, float[] c) = Cloud(n, seed);
        (DistanceMatrix d2, float[] c2) = Perturb(d, c, Epsilon, seed + 100);

        // Box 2 × 2 and δ = 0.1 with a 21 × 21 grid: every grid point lies on a swept line.
        var box = new MeasureBox(0f, 2f, c.Min() - 0.5f, c.Min() + 1.5f);
        var options = new ModuleApproximationOptions { Precision = 0.1f, MaxDegree = 1, Box = box };
        MmaModule a = ModuleApproximation.Compute(new FunctionRipsBifiltration(d, c, Threshold), options);
        MmaModule b = ModuleApproximation.Compute(new FunctionRipsBifiltration(d2, c2, Threshold), options);
        for (int deg = 0; deg <= 1; deg++)
        {
            var la = new float[3 * 21 * 21];
            var lb = new float[3 * 21 * 21];
            MmaRepresentation.Landscapes(a, deg, 3, 21, la);
            MmaRepresentation.Landscapes(b, deg, 3, 21, lb);
            float worst = la.Zip(lb).Max(t => MathF.Abs(t.First - t.Second));
            Assert.True(worst <= Epsilon + 1e-4f, $"H{deg}: landscapes moved by {worst} > ε = {Epsilon}");
            Assert.True(deg > 0 || la.Max() > 0f);
        }
    }

    [Theory]
    [InlineData(10, 31)]
    [InlineData(12, 32)]
    [InlineData(14, 33)]
    public void Image_MovesByAtMostTheBoundTimesEpsilon(int n, int seed)
    {
        // Bound (see MmaRepresentation): Σ_i (2p·W^{p−1} + W^p·e^{−1/2}/σ)·ε with p = 1, W the largest weight.
        const float Epsilon = 1e-4f;
        const float Sigma = 0.1f;
        (DistanceMatrix d, float[] c) = Cloud(n, seed);
        (DistanceMatrix d2, float[] c2) = Perturb(d, c, Epsilon, seed + 100);
        var box = new MeasureBox(0f, 2f, c.Min() - 0.5f, c.Min() + 1.5f);
        var options = new ModuleApproximationOptions { Precision = 0.1f, MaxDegree = 1, Box = box };
        MmaModule a = ModuleApproximation.Compute(new FunctionRipsBifiltration(d, c, 1.5f), options);
        MmaModule b = ModuleApproximation.Compute(new FunctionRipsBifiltration(d2, c2, 1.5f), options);
        for (int deg = 0; deg <= 1; deg++)
        {
            Assert.Equal(a.Summands(deg).Count, b.Summands(deg).Count);
            float w = a.Summands(deg).Select(s => s.Weight(box, a.LineOffsets)).DefaultIfEmpty(0f).Max() + (2 * Epsilon);
            float bound = a.Summands(deg).Count * (2f + (w * MathF.Exp(-0.5f) / Sigma)) * Epsilon;
            var ia = new float[20 * 20];
            var ib = new float[20 * 20];
            MmaRepresentation.Image(a, deg, 20, Sigma, 1f, ia);
            MmaRepresentation.Image(b, deg, 20, Sigma, 1f, ib);
            float worst = ia.Zip(ib).Max(t => MathF.Abs(t.First - t.Second));
            Assert.True(worst <= bound + 1e-5f, $"H{deg}: image moved by {worst} > bound {bound}");
        }
    }

    [Fact]
    public void Representations_RefuseWrongDestinationLengths()
    {
        var filtration = new GraphBifiltration(GraphStructure.FromEdges(1), [0.2f], [0.3f]);
        MmaModule module = ModuleApproximation.Compute(filtration, new ModuleApproximationOptions { MaxDegree = 0, Box = s_unit });
        Assert.Throws<ArgumentException>(() => MmaRepresentation.Image(module, 0, 4, 0.1f, 1f, new float[15]));
        Assert.Throws<ArgumentException>(() => MmaRepresentation.Landscapes(module, 0, 2, 4, new float[16]));
        Assert.Throws<ArgumentOutOfRangeException>(() => MmaRepresentation.Image(module, 0, 4, 0f, 1f, new float[16]));
    }
}
