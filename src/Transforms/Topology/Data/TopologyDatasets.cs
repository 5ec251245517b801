using System.Globalization;

namespace Pipelines.Transforms.Topology.Data;

/// <summary>One labelled graph: flattened 0-based edge list [u0, v0, …] and node count.</summary>
/// <param name="Edges">Flattened edge list.</param>
/// <param name="NodeCount">Number of nodes.</param>
/// <param name="Label">Class label as written in the file.</param>
public sealed record LabelledGraph(float[] Edges, int NodeCount, string Label);

/// <summary>One labelled vector (time series or flattened point cloud).</summary>
/// <param name="Values">Values.</param>
/// <param name="Label">Class label as written in the file.</param>
public sealed record LabelledVector(float[] Values, string Label);

/// <summary>Readers of the benchmark formats used with the topology transforms.</summary>
public static class TopologyDatasets
{
    /// <summary>
    /// Reads a TUDataset folder (<c>NAME_A.txt</c> 1-based "i, j" rows, <c>NAME_graph_indicator.txt</c>,
    /// <c>NAME_graph_labels.txt</c>); the name is the folder name.
    /// </summary>
    /// <param name="folder">Dataset folder.</param>
    /// <returns>The graphs in file order.</returns>
    /// <exception cref="FileNotFoundException">A required file is missing.</exception>
    /// <exception cref="InvalidDataException">A malformed line (file and line named).</exception>
    public static List<LabelledGraph> ReadTuDataset(string folder)
    {
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
        string Need(string suffix)
        {
            string p = Path.Combine(folder, $"{name}_{suffix}.txt");
            return File.Exists(p) ? p : throw new FileNotFoundException($"TU dataset file missing: {p}", p);
        }

        string[] indicator = File.ReadAllLines(Need("graph_indicator"));
        string[] labels = File.ReadAllLines(Need("graph_labels")).Where(l => l.Length > 0).ToArray();
        var graphOf = new int[indicator.Length];
        var localId = new int[indicator.Length];
        var counts = new int[labels.Length];
        for (int v = 0; v < indicator.Length; v++)
        {
            int g = ParseInt(indicator[v], Need("graph_indicator"), v) - 1;
            if ((uint)g >= (uint)labels.Length)
            {
                throw new InvalidDataException($"{Need("graph_indicator")} line {v + 1}: graph {g + 1} is outside 1..{labels.Length}.");
            }

            graphOf[v] = g;
            localId[v] = counts[g]++;
        }

        var edges = new List<float>[labels.Length];
        for (int g = 0; g < labels.Length; g++)
        {
            edges[g] = [];
        }

        string aPath = Need("A");
        int lineNo = 0;
        foreach (string line in File.ReadLines(aPath))
        {
            lineNo++;
            if (line.Length == 0)
            {
                continue;
            }

            string[] parts = line.Split(',');
            if (parts.Length != 2)
            {
                throw new InvalidDataException($"{aPath} line {lineNo}: expected 'i, j'.");
            }

            int u = ParseInt(parts[0], aPath, lineNo - 1) - 1;
            int v = ParseInt(parts[1], aPath, lineNo - 1) - 1;
            if (u < v && graphOf[u] == graphOf[v])
            {
                edges[graphOf[u]].Add(localId[u]);
                edges[graphOf[u]].Add(localId[v]);
            }
        }

        return [.. Enumerable.Range(0, labels.Length).Select(g => new LabelledGraph([.. edges[g]], counts[g], labels[g].Trim()))];
    }

    /// <summary>Reads a UCR 2018 <c>.tsv</c> file: one series per line, label first, tab-separated.</summary>
    /// <param name="path">File.</param>
    /// <returns>The series.</returns>
    public static List<LabelledVector> ReadUcr(string path)
    {
        var rows = new List<LabelledVector>();
        int lineNo = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNo++;
            if (line.Length == 0)
            {
                continue;
            }

            string[] parts = line.Split('\t', StringSplitOptions.TrimEntries);
            var values = new List<float>(parts.Length - 1);
            for (int k = 1; k < parts.Length; k++)
            {
                if (parts[k].Length == 0 || parts[k] == "NaN")
                {
                    continue;
                }

                values.Add(float.Parse(parts[k], CultureInfo.InvariantCulture));
            }

            rows.Add(new LabelledVector([.. values], parts[0]));
        }

        return rows;
    }

    /// <summary>
    /// Reads a CSV of points "x1,…,xd,label" (no header) and groups consecutive rows into clouds of
    /// <paramref name="pointsPerCloud"/> points with the same label (the GUDHI activities layout).
    /// </summary>
    /// <param name="path">File.</param>
    /// <param name="pointsPerCloud">Rows per cloud.</param>
    /// <param name="dimension">Receives the point dimension d.</param>
    /// <returns>Flattened clouds.</returns>
    public static List<LabelledVector> ReadPointCloudCsv(string path, int pointsPerCloud, out int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pointsPerCloud);
        var clouds = new List<LabelledVector>();
        var current = new List<float>();
        string? label = null;
        int count = 0;
        dimension = 0;
        int lineNo = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNo++;
            if (line.Length == 0)
            {
                continue;
            }

            string[] parts = line.Split(',', StringSplitOptions.TrimEntries);
            dimension = parts.Length - 1;
            if (label is not null && parts[^1] != label && count != 0)
            {
                throw new InvalidDataException($"{path} line {lineNo}: label changes inside a cloud of {pointsPerCloud} points.");
            }

            label = parts[^1];
            for (int k = 0; k < dimension; k++)
            {
                current.Add(float.Parse(parts[k], CultureInfo.InvariantCulture));
            }

            if (++count == pointsPerCloud)
            {
                clouds.Add(new LabelledVector([.. current], label));
                current.Clear();
                count = 0;
                label = null;
            }
        }

        return clouds;
    }

    private static int ParseInt(string s, string file, int index) =>
        int.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new InvalidDataException($"{file} line {index + 1}: '{s}' is not an integer.");
}
