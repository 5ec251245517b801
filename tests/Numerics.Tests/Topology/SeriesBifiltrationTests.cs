using Pipelines.Numerics.Topology;
using Xunit;

namespace Pipelines.Numerics.Tests.Topology;

/// <summary>The sublevel × time bifiltration of a series (<see cref="GraphBifiltration.OfSeries"/>).</summary>
public sealed class SeriesBifiltrationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(23)]
    public void HilbertFunction_CountsRunsOfTheSublevelSetUpToEachTime(int length)
    {
        var random = new Random(length);
        float[] x = [.. Enumerable.Range(0, length).Select(_ => MathF.Round((float)random.NextDouble() * 8f) / 2f)];
        foreach (float[] series in new[] { x, x.Select(v => -v).ToArray() })
        {
            GraphBifiltration b = GraphBifiltration.OfSeries(series);
            FiltrationGrid values = FiltrationGrid.Fit(series, GridStrategy.Exact, 100);
            FiltrationGrid time = FiltrationGrid.Fit(b.F2, GridStrategy.Exact, 100);
            SignedMeasure[] mu = b.HilbertSignedMeasures(values, time, zeroPad: false);
            long[] h0 = mu[0].Cumulative();
            Assert.All(mu[1].Cumulative(), h1 => Assert.Equal(0, h1));
            for (int a = 0; a < values.Count; a++)
            {
                for (int t = 0; t < time.Count; t++)
                {
                    // Brute force: maximal runs of consecutive indices s ≤ t·(L − 1) with x(s) ≤ a.
                    int runs = 0;
                    bool inRun = false;
                    for (int s = 0; s < length; s++)
                    {
                        bool present = series[s] <= values.Values[a] && b.F2[s] <= time.Values[t];
                        runs += present && !inRun ? 1 : 0;
                        inRun = present;
                    }

                    Assert.True(runs == h0[(a * time.Count) + t], $"L={length} at ({values.Values[a]}, {time.Values[t]}): {runs} runs, Hilbert {h0[(a * time.Count) + t]}");
                }
            }
        }
    }

    [Fact]
    public void OfSeries_IsThePathGraphWithTimeInTheUnitInterval()
    {
        GraphBifiltration b = GraphBifiltration.OfSeries([3f, 1f, 2f, 5f, 4f]);
        Assert.Equal(5, b.Graph.NodeCount);
        Assert.Equal(new (int, int)[] { (0, 1), (1, 2), (2, 3), (3, 4) }, b.Graph.Edges.ToArray());
        Assert.Equal(new[] { 0f, 0.25f, 0.5f, 0.75f, 1f }, b.F2.ToArray());
        Assert.Equal(new[] { 3f, 1f, 2f, 5f, 4f }, b.F1.ToArray());
        Assert.Equal(new[] { 0f }, GraphBifiltration.OfSeries([7f]).F2.ToArray());
        Assert.Throws<ArgumentException>(() => GraphBifiltration.OfSeries([]));
        Assert.Throws<ArgumentException>(() => GraphBifiltration.OfSeries([1f, float.NaN]));
    }
}
