using System.Globalization;
using Pipelines.Numerics.Topology;
using Xunit;

namespace Pipelines.Numerics.Tests.Topology;

public sealed class SignedMeasureGoldenTests
{
    [Fact]
    public void Hilbert_EqualsGudhiLineLoop()
    {
        string[] lines = File.ReadAllLines(Path.Combine(TopologyFixtures.Directory, "hilbert_annulus.txt"));
        static float[] Floats(string line) => [.. line.Split(' ').Select(s => (float)double.Parse(s, CultureInfo.InvariantCulture))];
        string[] head = lines[0].Split(' ');
        int n = int.Parse(head[0], CultureInfo.InvariantCulture);
        float threshold = (float)double.Parse(head[1], CultureInfo.InvariantCulture);
        int maxDim = int.Parse(head[2], CultureInfo.InvariantCulture);
        var g1 = new FiltrationGrid(Floats(lines[1]));
        var g2 = new FiltrationGrid(Floats(lines[2]));
        var pts = new float[2 * n];
        var c = new float[n];
        for (int i = 0; i < n; i++)
        {
            float[] row = Floats(lines[3 + i]);
            pts[2 * i] = row[0];
            pts[(2 * i) + 1] = row[1];
            c[i] = row[2];
        }

        var f = new FunctionRipsBifiltration(DistanceMatrix.FromPoints(pts, 2), c, threshold);
        SignedMeasure[] mu = f.HilbertSignedMeasures(g1, g2, maxDim, zeroPad: false);
        for (int d = 0; d <= maxDim; d++)
        {
            int[] expected = [.. lines[3 + n + d].Split(' ').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
            Assert.Equal(expected, mu[d].Weights.ToArray());
        }
    }
}
