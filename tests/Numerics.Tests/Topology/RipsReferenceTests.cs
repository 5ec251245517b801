using Pipelines.Numerics.Topology;
using Xunit;

namespace Pipelines.Numerics.Tests.Topology;

/// <summary>
/// The reducer (implicit coboundaries, apparent/emergent pairs, merged neighbour rows) against the textbook algorithm:
/// every simplex listed, the boundary matrix reduced column by column over Z/2. Ties are where shortcuts go wrong, so
/// half the clouds sit on an integer lattice (many equal distances), and half the trials take the grid route. Also: the
/// grid route of low-dimensional clouds (no distance matrix) gives exactly the matrix route's diagram.
/// </summary>
public sealed class RipsReferenceTests
{
    [Theory]
    [InlineData(1, false, 1)]
    [InlineData(2, false, 2)]
    [InlineData(2, true, 3)]
    [InlineData(3, false, 4)]
    [InlineData(3, true, 5)]
    [InlineData(4, false, 6)]
    [InlineData(4, true, 7)]
    public void Compute_EqualsStandardReductionOfAllSimplices(int dimension, bool lattice, int seed)
    {
        for (int trial = 0; trial < 6; trial++)
        {
            var rng = new Random((seed * 100) + trial);
            int n = 12 + rng.Next(6);
            var points = new float[n * dimension];
            for (int k = 0; k < points.Length; k++)
            {
                points[k] = lattice ? rng.Next(4) : (float)rng.NextDouble();
            }

            // Odd trials add an isolated far point: the extent then exceeds four thresholds, so clouds of ≤ 3
            // dimensions take the grid route (no distance matrix) while the complex only gains an isolated vertex.
            if (trial % 2 == 1)
            {
                points = [.. points, .. Enumerable.Repeat(100f, dimension)];
            }

            DistanceMatrix d = DistanceMatrix.FromPoints(points, dimension);
            float threshold = lattice ? 2.3f : 0.45f + (0.1f * trial);
            var options = new RipsOptions { MaxDimension = 2, Threshold = threshold };
            List<PersistencePair> expected = StandardReduction(d, threshold, options.MaxDimension);
            Assert.Equal(Sorted(expected), Sorted(RipsPersistence.Compute(points, dimension, options)));
            Assert.Equal(Sorted(expected), Sorted(RipsPersistence.Compute(d, options)));
        }
    }

    [Theory]
    [InlineData(1, 200, 0.02f)]
    [InlineData(2, 400, 0.12f)]
    [InlineData(3, 300, 0.2f)]
    public void Compute_GridRouteEqualsMatrixRoute(int dimension, int n, float threshold)
    {
        var rng = new Random(n);
        var points = new float[n * dimension];
        for (int k = 0; k < points.Length; k++)
        {
            // Duplicated coordinates and points too: equal distances and zero-length edges.
            points[k] = k % 7 == 3 ? points[k - 1] : (float)Math.Round(rng.NextDouble(), 2);
        }

        var options = new RipsOptions { MaxDimension = 2, Threshold = threshold };
        Assert.Equal(Sorted(RipsPersistence.Compute(DistanceMatrix.FromPoints(points, dimension), options)), Sorted(RipsPersistence.Compute(points, dimension, options)));
    }

    private static PersistencePair[] Sorted(PersistenceDiagram diagram) =>
        [.. Enumerable.Range(0, diagram.MaxDimension + 1).SelectMany(k => diagram.InDimension(k).ToArray()).OrderBy(p => p.Dimension).ThenBy(p => p.Birth).ThenBy(p => p.Death)];

    private static PersistencePair[] Sorted(List<PersistencePair> pairs) => [.. pairs.OrderBy(p => p.Dimension).ThenBy(p => p.Birth).ThenBy(p => p.Death)];

    /// <summary>All simplices up to dimension maxDimension + 1 by (diameter, dimension), then the standard column reduction.</summary>
    private static List<PersistencePair> StandardReduction(DistanceMatrix d, float threshold, int maxDimension)
    {
        int n = d.Count;
        var simplices = new List<(int[] Vertices, float Diameter)>();
        void Extend(int[] s, float diameter)
        {
            simplices.Add((s, diameter));
            if (s.Length == maxDimension + 2)
            {
                return;
            }

            for (int v = s[^1] + 1; v < n; v++)
            {
                float w = diameter;
                foreach (int u in s)
                {
                    w = MathF.Max(w, d[u, v]);
                }

                if (w <= threshold)
                {
                    Extend([.. s, v], w);
                }
            }
        }

        for (int v = 0; v < n; v++)
        {
            Extend([v], 0f);
        }

        simplices.Sort((a, b) => a.Diameter != b.Diameter ? a.Diameter.CompareTo(b.Diameter) : a.Vertices.Length.CompareTo(b.Vertices.Length));
        var index = new Dictionary<string, int>();
        for (int i = 0; i < simplices.Count; i++)
        {
            index[string.Join(',', simplices[i].Vertices)] = i;
        }

        var columns = new SortedSet<int>[simplices.Count];
        var lowOwner = new Dictionary<int, int>();
        var paired = new bool[simplices.Count];
        var pairs = new List<PersistencePair>();
        for (int j = 0; j < simplices.Count; j++)
        {
            int[] s = simplices[j].Vertices;
            var column = new SortedSet<int>();
            for (int drop = 0; s.Length > 1 && drop < s.Length; drop++)
            {
                column.Add(index[string.Join(',', s.Where((_, k) => k != drop))]);
            }

            while (column.Count > 0 && lowOwner.TryGetValue(column.Max, out int other))
            {
                column.SymmetricExceptWith(columns[other]);
            }

            columns[j] = column;
            if (column.Count > 0)
            {
                int low = column.Max;
                lowOwner[low] = j;
                paired[low] = paired[j] = true;
                if (simplices[j].Diameter > simplices[low].Diameter)
                {
                    pairs.Add(new PersistencePair(simplices[low].Vertices.Length - 1, simplices[low].Diameter, simplices[j].Diameter));
                }
            }
        }

        for (int j = 0; j < simplices.Count; j++)
        {
            if (!paired[j] && simplices[j].Vertices.Length - 1 <= maxDimension)
            {
                pairs.Add(new PersistencePair(simplices[j].Vertices.Length - 1, simplices[j].Diameter, float.PositiveInfinity));
            }
        }

        return pairs;
    }
}
