using System.Numerics;
using System.Runtime.Intrinsics;

namespace Pipelines.Numerics.Topology;

/// <summary>
/// The Rips graph {ij : d(i, j) ≤ threshold} in compressed rows: the neighbours of v are
/// <see cref="Adjacent"/>[<see cref="RowStart"/>[v] .. <see cref="RowStart"/>[v + 1]), in descending vertex order
/// (so cofacet ids come out in descending order), with their distances at the same positions of
/// <see cref="Distance"/>. Built in two passes: degrees (for the pre-flight estimate, before anything of the size of
/// the graph is allocated), then the rows.
/// </summary>
/// <remarks>
/// From a distance matrix both passes scan the lower triangle, 8 entries at a time (most entries of a small threshold
/// are over it). From the points of a low-dimensional cloud (<see cref="CellGrid"/>) only pairs of neighbouring cells
/// of side ≥ threshold are measured and no n × n matrix exists: distances are computed by
/// <see cref="DistanceMatrix.Euclidean"/>, the same arithmetic as <see cref="DistanceMatrix.FromPoints"/>, so both
/// routes give bit-identical graphs.
/// </remarks>
internal sealed class RipsGraph
{
    private RipsGraph(int count, int[] rowStart, int[] adjacent, float[] distance)
    {
        Count = count;
        RowStart = rowStart;
        Adjacent = adjacent;
        Distance = distance;
    }

    /// <summary>Gets the number of vertices.</summary>
    public int Count { get; }

    /// <summary>Gets the row offsets, length Count + 1.</summary>
    public int[] RowStart { get; }

    /// <summary>Gets the neighbours, row by row, each row descending.</summary>
    public int[] Adjacent { get; }

    /// <summary>Gets the distance to each neighbour.</summary>
    public float[] Distance { get; }

    /// <summary>Gets the number of edges.</summary>
    public int EdgeCount => Adjacent.Length / 2;

    /// <summary>d(i, j) of an edge ij (binary search in the shorter row); +∞ when ij is no edge.</summary>
    public float this[int i, int j]
    {
        get
        {
            if (RowStart[j + 1] - RowStart[j] < RowStart[i + 1] - RowStart[i])
            {
                (i, j) = (j, i);
            }

            int lo = RowStart[i];
            int hi = RowStart[i + 1] - 1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >>> 1;
                int v = Adjacent[mid];
                if (v == j)
                {
                    return Distance[mid];
                }

                if (v > j)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }

            return float.PositiveInfinity;
        }
    }

    /// <summary>Degrees of the Rips graph of a distance matrix (the first pass; nothing of the graph's size is allocated).</summary>
    public static int[] Degrees(DistanceMatrix distances, float threshold)
    {
        int n = distances.Count;
        var degree = new int[n];
        ReadOnlySpan<float> lower = distances.Lower;
        for (int i = 1; i < n; i++)
        {
            ReadOnlySpan<float> row = lower.Slice((int)(((long)i * (i - 1)) >> 1), i);
            int own = 0;
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var t = Vector256.Create(threshold);
                for (; j + 8 <= row.Length; j += 8)
                {
                    uint mask = Vector256.LessThanOrEqual(Vector256.Create(row.Slice(j, 8)), t).ExtractMostSignificantBits();
                    while (mask != 0)
                    {
                        degree[j + BitOperations.TrailingZeroCount(mask)]++;
                        own++;
                        mask &= mask - 1;
                    }
                }
            }

            for (; j < row.Length; j++)
            {
                if (row[j] <= threshold)
                {
                    degree[j]++;
                    own++;
                }
            }

            degree[i] += own;
        }

        return degree;
    }

    /// <summary>The Rips graph of a distance matrix, given its <see cref="Degrees"/>.</summary>
    public static RipsGraph FromDistances(DistanceMatrix distances, float threshold, int[] degree)
    {
        int n = distances.Count;
        int[] rowStart = RowStarts(degree);
        var adjacent = new int[rowStart[n]];
        var distance = new float[rowStart[n]];
        int[] fill = rowStart[..n];
        ReadOnlySpan<float> lower = distances.Lower;

        // Rows are filled from the last vertex down and each row from its last entry down: every vertex receives its
        // larger neighbours (from later rows) before its smaller ones, all in descending order.
        for (int i = n - 1; i >= 1; i--)
        {
            ReadOnlySpan<float> row = lower.Slice((int)(((long)i * (i - 1)) >> 1), i);
            int j = row.Length;
            if (Vector256.IsHardwareAccelerated)
            {
                var t = Vector256.Create(threshold);
                for (; j >= 8; j -= 8)
                {
                    uint mask = Vector256.LessThanOrEqual(Vector256.Create(row.Slice(j - 8, 8)), t).ExtractMostSignificantBits();
                    while (mask != 0)
                    {
                        int top = BitOperations.Log2(mask);
                        Link(i, j - 8 + top, row[j - 8 + top], fill, adjacent, distance);
                        mask &= ~(1u << top);
                    }
                }
            }

            for (j--; j >= 0; j--)
            {
                if (row[j] <= threshold)
                {
                    Link(i, j, row[j], fill, adjacent, distance);
                }
            }
        }

        return new RipsGraph(n, rowStart, adjacent, distance);
    }

    /// <summary>
    /// The Rips graph of row-major points of shape (n, dimension) at a finite threshold, measuring only pairs in
    /// neighbouring cells of a <see cref="CellGrid"/>; the pre-flight <paramref name="check"/> sees the degrees first.
    /// </summary>
    public static RipsGraph FromPoints(ReadOnlySpan<float> points, int dimension, float threshold, Action<int[]> check)
    {
        int n = points.Length / dimension;
        var grid = new CellGrid(points, dimension, threshold);

        // Pass 1: degrees.
        var degree = new int[n];
        Span<int> cells = stackalloc int[27];
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> xi = points.Slice(i * dimension, dimension);
            foreach (int cell in cells[..grid.NeighbourCells(i, cells)])
            {
                foreach (int j in grid.PointsIn(cell))
                {
                    if (j >= i)
                    {
                        break;
                    }

                    if (DistanceMatrix.Euclidean(xi, points.Slice(j * dimension, dimension)) <= threshold)
                    {
                        degree[i]++;
                        degree[j]++;
                    }
                }
            }
        }

        check(degree);

        // Pass 2: each vertex's smaller neighbours, sorted descending, then the rows as from a matrix.
        int[] rowStart = RowStarts(degree);
        var lowerStart = new int[n + 1];
        var lowerOf = new int[rowStart[n] / 2];
        var lowerDistance = new float[lowerOf.Length];
        for (int i = 0; i < n; i++)
        {
            int at = lowerStart[i];
            ReadOnlySpan<float> xi = points.Slice(i * dimension, dimension);
            foreach (int cell in cells[..grid.NeighbourCells(i, cells)])
            {
                foreach (int j in grid.PointsIn(cell))
                {
                    if (j >= i)
                    {
                        break;
                    }

                    float w = DistanceMatrix.Euclidean(xi, points.Slice(j * dimension, dimension));
                    if (w <= threshold)
                    {
                        lowerOf[at] = j;
                        lowerDistance[at] = w;
                        at++;
                    }
                }
            }

            lowerStart[i + 1] = at;
            Array.Sort(lowerOf, lowerDistance, lowerStart[i], at - lowerStart[i]);
        }

        var adjacent = new int[rowStart[n]];
        var distance = new float[rowStart[n]];
        int[] fill = rowStart[..n];
        for (int i = n - 1; i >= 1; i--)
        {
            for (int k = lowerStart[i + 1] - 1; k >= lowerStart[i]; k--)
            {
                Link(i, lowerOf[k], lowerDistance[k], fill, adjacent, distance);
            }
        }

        return new RipsGraph(n, rowStart, adjacent, distance);
    }

    /// <summary>
    /// The graph of an edge list on vertices 0..n − 1 (no loops, no repeated pair), for a family of filtrations of the
    /// same graph: <paramref name="edgeOfSlot"/>[p] is the edge at adjacency position p, and
    /// <see cref="WithDistances"/> puts each member's values in (the distances here are all 0).
    /// </summary>
    public static RipsGraph FromEdges(int n, ReadOnlySpan<(int U, int V)> edges, out int[] edgeOfSlot)
    {
        var degree = new int[n];
        foreach ((int u, int v) in edges)
        {
            degree[u]++;
            degree[v]++;
        }

        int[] rowStart = RowStarts(degree);

        // Each vertex's smaller neighbours, sorted, then the rows filled as from a matrix (descending throughout).
        var lowerStart = new int[n + 1];
        foreach ((int u, int v) in edges)
        {
            lowerStart[Math.Max(u, v) + 1]++;
        }

        for (int v = 0; v < n; v++)
        {
            lowerStart[v + 1] += lowerStart[v];
        }

        var lowerOf = new int[edges.Length];
        var lowerEdge = new int[edges.Length];
        int[] at = lowerStart[..n];
        for (int e = 0; e < edges.Length; e++)
        {
            (int hi, int lo) = edges[e].U > edges[e].V ? (edges[e].U, edges[e].V) : (edges[e].V, edges[e].U);
            lowerOf[at[hi]] = lo;
            lowerEdge[at[hi]++] = e;
        }

        var adjacent = new int[rowStart[n]];
        edgeOfSlot = new int[rowStart[n]];
        int[] fill = rowStart[..n];
        for (int i = n - 1; i >= 1; i--)
        {
            Array.Sort(lowerOf, lowerEdge, lowerStart[i], lowerStart[i + 1] - lowerStart[i]);
            for (int k = lowerStart[i + 1] - 1; k >= lowerStart[i]; k--)
            {
                int j = lowerOf[k];
                adjacent[fill[i]] = j;
                edgeOfSlot[fill[i]++] = lowerEdge[k];
                adjacent[fill[j]] = i;
                edgeOfSlot[fill[j]++] = lowerEdge[k];
            }
        }

        return new RipsGraph(n, rowStart, adjacent, new float[rowStart[n]]);
    }

    /// <summary>The same graph with other edge values (one per adjacency position, symmetric).</summary>
    public RipsGraph WithDistances(float[] distance) => new(Count, RowStart, Adjacent, distance);

    private static void Link(int i, int j, float w, int[] fill, int[] adjacent, float[] distance)
    {
        int a = fill[i]++;
        adjacent[a] = j;
        distance[a] = w;
        int b = fill[j]++;
        adjacent[b] = i;
        distance[b] = w;
    }

    private static int[] RowStarts(int[] degree)
    {
        var rowStart = new int[degree.Length + 1];
        long total = 0;
        for (int v = 0; v < degree.Length; v++)
        {
            total += degree[v];
            if (total > Array.MaxLength)
            {
                throw new PipelinesException(ErrorKind.Resource, $"The Rips graph has more than {Array.MaxLength / 2:N0} edges, more than its adjacency arrays can hold. Lower the threshold or subsample the points.");
            }

            rowStart[v + 1] = (int)total;
        }

        return rowStart;
    }
}
