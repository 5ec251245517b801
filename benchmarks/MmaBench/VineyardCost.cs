using System.Globalization;
using Pipelines.Numerics.Topology;

namespace Pipelines.Benchmarks.Mma;

/// <summary>
/// What vineyard updates would cost on the bench's complex: a vineyard walks from one line's simplex order to the
/// next by adjacent transpositions, at least one per pair of simplices whose order flips (the Kendall-τ distance),
/// counted here over vertices, edges and triangles (H0 + H1) of the function-Rips complex mapped onto the unit square,
/// for the line families of the timing table. The sum over the family is the same for every δ (it is the order change
/// from the lowest line to the highest); compare it with the from-scratch reductions the table timed.
/// </summary>
internal static class VineyardCost
{
    public static void Run(DistanceMatrix distances, float[] codensity, float threshold)
    {
        int n = distances.Count;
        float maxEdge = 0f;
        var neighbours = new List<int>[n];
        for (int i = 0; i < n; i++)
        {
            neighbours[i] = [];
            for (int j = i + 1; j < n; j++)
            {
                if (distances[i, j] <= threshold)
                {
                    neighbours[i].Add(j);
                    maxEdge = MathF.Max(maxEdge, distances[i, j]);
                }
            }
        }

        float lo = codensity.Min();
        float span = codensity.Max() - lo;
        var gx = new List<float>();
        var gy = new List<float>();
        void Add(float x, float y)
        {
            gx.Add(x / maxEdge);
            gy.Add((y - lo) / span);
        }

        int edges = 0;
        int triangles = 0;
        for (int i = 0; i < n; i++)
        {
            Add(0f, codensity[i]);
        }

        for (int i = 0; i < n; i++)
        {
            foreach (int j in neighbours[i])
            {
                Add(distances[i, j], MathF.Max(codensity[i], codensity[j]));
                edges++;
                foreach (int k in neighbours[j])
                {
                    if (distances[i, k] <= threshold)
                    {
                        Add(MathF.Max(distances[i, j], MathF.Max(distances[i, k], distances[j, k])), MathF.Max(codensity[i], MathF.Max(codensity[j], codensity[k])));
                        triangles++;
                    }
                }
            }
        }

        int count = gx.Count;
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Vineyard cost: {n} vertices + {edges:N0} edges + {triangles:N0} triangles = {count:N0} simplices (unit square)"));
        Console.WriteLine($"{"δ",6} {"lines",6} {"transpositions/step",20} {"max/step",14} {"whole family",14}");
        foreach (float delta in new[] { 0.1f, 0.05f, 0.02f })
        {
            int steps = (int)Math.Ceiling(1 / delta);
            int[]? previous = null;
            long total = 0;
            long most = 0;
            for (int k = -steps; k <= steps; k++)
            {
                float offset = k * delta;
                var s = new float[count];
                for (int q = 0; q < count; q++)
                {
                    s[q] = MathF.Max(gx[q], gy[q] - offset);
                }

                int[] order = [.. Enumerable.Range(0, count)];
                Array.Sort(order, (a, b) => s[a] != s[b] ? s[a].CompareTo(s[b]) : a.CompareTo(b));
                if (previous is not null)
                {
                    var rank = new int[count];
                    for (int q = 0; q < count; q++)
                    {
                        rank[order[q]] = q;
                    }

                    int[] sequence = [.. previous.Select(q => rank[q])];
                    long flips = Inversions(sequence, new int[count], 0, count);
                    total += flips;
                    most = Math.Max(most, flips);
                }

                previous = order;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{delta,6} {(2 * steps) + 1,6} {total / (2.0 * steps),20:N0} {most,14:N0} {total,14:N0}"));
        }
    }

    private static long Inversions(int[] a, int[] scratch, int lo, int hi)
    {
        if (hi - lo < 2)
        {
            return 0;
        }

        int mid = (lo + hi) / 2;
        long c = Inversions(a, scratch, lo, mid) + Inversions(a, scratch, mid, hi);
        int i = lo;
        int j = mid;
        int k = lo;
        while (i < mid && j < hi)
        {
            if (a[i] <= a[j])
            {
                scratch[k++] = a[i++];
            }
            else
            {
                c += mid - i;
                scratch[k++] = a[j++];
            }
        }

        while (i < mid)
        {
            scratch[k++] = a[i++];
        }

        while (j < hi)
        {
            scratch[k++] = a[j++];
        }

        Array.Copy(scratch, lo, a, lo, hi - lo);
        return c;
    }
}
