namespace Pipelines.Numerics.Graphs;

/// <summary>Seeded random and classical graphs for tests, benchmarks and demos.</summary>
public static class RandomGraphs
{
    /// <summary>An Erdős–Rényi graph <c>G(n, p)</c> from <paramref name="random"/>.</summary>
    public static GraphStructure ErdosRenyi(int n, double p, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var edges = new List<(int, int)>();
        for (int u = 0; u < n; u++)
        {
            for (int v = u + 1; v < n; v++)
            {
                if (random.NextDouble() < p)
                {
                    edges.Add((u, v));
                }
            }
        }

        return GraphStructure.FromEdges(n, [.. edges]);
    }

    /// <summary>A uniformly random permutation of <c>0..n-1</c>.</summary>
    public static int[] Permutation(int n, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        int[] p = Enumerable.Range(0, n).ToArray();
        random.Shuffle(p);
        return p;
    }

    /// <summary>The complete graph <c>K_n</c>.</summary>
    public static GraphStructure Complete(int n)
    {
        var edges = new List<(int, int)>();
        for (int u = 0; u < n; u++)
        {
            for (int v = u + 1; v < n; v++)
            {
                edges.Add((u, v));
            }
        }

        return GraphStructure.FromEdges(n, [.. edges]);
    }

    /// <summary>The cycle <c>C_n</c>.</summary>
    public static GraphStructure Cycle(int n) => GraphStructure.FromEdges(n, [.. Enumerable.Range(0, n).Select(i => (i, (i + 1) % n))]);

    /// <summary>The path <c>P_n</c>.</summary>
    public static GraphStructure Path(int n) => GraphStructure.FromEdges(n, [.. Enumerable.Range(0, n - 1).Select(i => (i, i + 1))]);

    /// <summary>The Petersen graph (10 nodes, 15 edges, 3-regular, girth 5).</summary>
    public static GraphStructure Petersen()
    {
        var edges = new List<(int, int)>();
        for (int i = 0; i < 5; i++)
        {
            edges.Add((i, (i + 1) % 5));
            edges.Add((i, i + 5));
            edges.Add((5 + i, 5 + ((i + 2) % 5)));
        }

        return GraphStructure.FromEdges(10, [.. edges]);
    }

    /// <summary>The hypercube <c>Q_d</c> (2^d nodes).</summary>
    public static GraphStructure Hypercube(int dimension)
    {
        int n = 1 << dimension;
        var edges = new List<(int, int)>();
        for (int u = 0; u < n; u++)
        {
            for (int b = 0; b < dimension; b++)
            {
                int v = u ^ (1 << b);
                if (u < v)
                {
                    edges.Add((u, v));
                }
            }
        }

        return GraphStructure.FromEdges(n, [.. edges]);
    }

    /// <summary>The <c>rows × columns</c> grid.</summary>
    public static GraphStructure Grid(int rows, int columns)
    {
        var edges = new List<(int, int)>();
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                int u = (r * columns) + c;
                if (c + 1 < columns)
                {
                    edges.Add((u, u + 1));
                }

                if (r + 1 < rows)
                {
                    edges.Add((u, u + columns));
                }
            }
        }

        return GraphStructure.FromEdges(rows * columns, [.. edges]);
    }
}
