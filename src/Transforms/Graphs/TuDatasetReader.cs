using System.Globalization;

namespace Pipelines.Transforms.Graphs;

/// <summary>A data set read from the TU text format.</summary>
/// <param name="Name">Data set name (the file prefix <c>DS</c>).</param>
/// <param name="Graphs">The graphs, in graph-id order; <see cref="Graph.Target"/> holds the class index (0-based) or the regression value.</param>
/// <param name="NodeTypeCount">Number of distinct node labels (0 without <c>DS_node_labels.txt</c>).</param>
/// <param name="EdgeTypeCount">Number of distinct edge labels (0 without <c>DS_edge_labels.txt</c>).</param>
/// <param name="ClassLabels">Original graph labels in class-index order (empty when targets are regression values).</param>
public sealed record TuDataset(string Name, IReadOnlyList<Graph> Graphs, int NodeTypeCount, int EdgeTypeCount, IReadOnlyList<string> ClassLabels)
{
    /// <summary>Gets each graph's label exactly as written in <c>DS_graph_labels.txt</c> (trimmed), in graph-id order.</summary>
    public IReadOnlyList<string> GraphLabels { get; init; } = [];

    /// <summary>
    /// Gets the node labels as written in <c>DS_node_labels.txt</c>, indexed by node type (<see cref="Graph.NodeTypes"/>
    /// holds indices into this list, which is sorted); empty without that file.
    /// </summary>
    public IReadOnlyList<int> NodeLabelValues { get; init; } = [];
}

/// <summary>
/// Reads the TU graph-kernel text format (Morris et al., TUDataset): <c>DS_A.txt</c> (<c>i, j</c> per line, 1-based
/// global node ids), <c>DS_graph_indicator.txt</c> (graph id per node), <c>DS_graph_labels.txt</c>, and optionally
/// <c>DS_node_labels.txt</c>, <c>DS_edge_labels.txt</c> (one per <c>A</c> line) and <c>DS_node_attributes.txt</c>.
/// </summary>
/// <remarks>
/// Node and edge labels are remapped to dense 0-based type indices in ascending label order; integer graph labels
/// become class indices the same way (MUTAG's −1/1 → 0/1); non-integer graph labels are kept as regression targets.
/// Each undirected edge is kept once (the first of its two directed lines, with that line's edge label).
/// </remarks>
public static class TuDatasetReader
{
    /// <summary>Reads a data set from <paramref name="folder"/>; the name defaults to the folder name.</summary>
    /// <exception cref="FileNotFoundException">A required file is missing.</exception>
    /// <exception cref="GraphFormatException">A line is malformed (names file and line).</exception>
    public static TuDataset Read(string folder, string? name = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        name ??= Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
        string File(string suffix) => Path.Combine(folder, $"{name}_{suffix}.txt");
        string aPath = File("A");
        string indicatorPath = File("graph_indicator");
        string labelsPath = File("graph_labels");
        foreach (string required in new[] { aPath, indicatorPath, labelsPath })
        {
            if (!System.IO.File.Exists(required))
            {
                throw new FileNotFoundException($"TU data set '{name}' needs {Path.GetFileName(required)} in {folder}.", required);
            }
        }

        int[] indicator = ReadInts(indicatorPath);
        int nodeTotal = indicator.Length;
        string[] graphLabelText = ReadLines(labelsPath);
        int graphCount = graphLabelText.Length;
        for (int i = 0; i < nodeTotal; i++)
        {
            if (indicator[i] < 1 || indicator[i] > graphCount)
            {
                throw new GraphFormatException(indicatorPath, i + 1, $"graph id {indicator[i]} is outside 1..{graphCount} (the number of graph labels).");
            }

            if (i > 0 && indicator[i] < indicator[i - 1])
            {
                throw new GraphFormatException(indicatorPath, i + 1, "graph ids must be non-decreasing (nodes of a graph are contiguous).");
            }
        }

        // Node offset of each graph.
        var first = new int[graphCount + 1];
        foreach (int g in indicator)
        {
            first[g]++;
        }

        for (int g = 0; g < graphCount; g++)
        {
            first[g + 1] += first[g];
        }

        int[]? nodeLabels = OptionalInts(File("node_labels"), nodeTotal, out int[] nodeLabelValues);
        float[]? nodeAttrs = OptionalFloatRows(File("node_attributes"), nodeTotal, out int attrWidth);

        (string Text, int Line)[] aLines = ReadNumberedLines(aPath);
        int[]? edgeLabels = OptionalInts(File("edge_labels"), aLines.Length, out int[] edgeLabelValues);
        var src = new List<int>[graphCount];
        var dst = new List<int>[graphCount];
        var etype = new List<int>[graphCount];
        var seen = new HashSet<long>();
        for (int g = 0; g < graphCount; g++)
        {
            src[g] = [];
            dst[g] = [];
            etype[g] = [];
        }

        for (int line = 0; line < aLines.Length; line++)
        {
            (string text, int lineNo) = aLines[line];
            int comma = text.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0 || !int.TryParse(text.AsSpan(0, comma).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int i)
                || !int.TryParse(text.AsSpan(comma + 1).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int j))
            {
                throw new GraphFormatException(aPath, lineNo, $"expected 'i, j' with integer node ids, got '{text}'.");
            }

            if (i < 1 || i > nodeTotal || j < 1 || j > nodeTotal)
            {
                int missing = i < 1 || i > nodeTotal ? i : j;
                throw new GraphFormatException(aPath, lineNo, $"node id {missing} in '{text}' is outside 1..{nodeTotal} (the nodes of {Path.GetFileName(indicatorPath)}).");
            }

            int g = indicator[i - 1] - 1;
            if (indicator[j - 1] - 1 != g)
            {
                throw new GraphFormatException(aPath, lineNo, $"edge ({i}, {j}) joins graphs {g + 1} and {indicator[j - 1]}.");
            }

            if (i == j || !seen.Add(((long)Math.Min(i, j) << 32) | (uint)Math.Max(i, j)))
            {
                continue;
            }

            src[g].Add(i - 1 - first[g]);
            dst[g].Add(j - 1 - first[g]);
            etype[g].Add(edgeLabels?[line] ?? 0);
        }

        bool classification = graphLabelText.All(t => long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out _));
        string[] classes = classification
            ? graphLabelText.Select(t => long.Parse(t, CultureInfo.InvariantCulture)).Distinct().Order().Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray()
            : [];
        var graphs = new Graph[graphCount];
        for (int g = 0; g < graphCount; g++)
        {
            float target;
            if (classification)
            {
                target = Array.IndexOf(classes, long.Parse(graphLabelText[g], CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
            }
            else if (!float.TryParse(graphLabelText[g], NumberStyles.Float, CultureInfo.InvariantCulture, out target))
            {
                throw new GraphFormatException(labelsPath, g + 1, $"graph label '{graphLabelText[g]}' is not a number.");
            }

            int n = first[g + 1] - first[g];
            int[]? types = nodeLabels?.AsSpan(first[g], n).ToArray();
            float[]? attrs = nodeAttrs?.AsSpan(first[g] * attrWidth, n * attrWidth).ToArray();
            graphs[g] = new Graph(n, [.. src[g]], [.. dst[g]], types, edgeLabels is null ? null : [.. etype[g]], attrs, target, $"{name}#{g + 1}");
        }

        return new TuDataset(name, graphs, nodeLabelValues.Length, edgeLabelValues.Length, classes) { GraphLabels = graphLabelText, NodeLabelValues = nodeLabelValues };
    }

    private static string[] ReadLines(string path) =>
        System.IO.File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();

    // Non-empty trimmed lines with their 1-based line numbers in the file (so errors name the real line).
    private static (string Text, int Line)[] ReadNumberedLines(string path) =>
        System.IO.File.ReadAllLines(path).Select((l, i) => (Text: l.Trim(), Line: i + 1)).Where(l => l.Text.Length > 0).ToArray();

    private static int[] ReadInts(string path)
    {
        string[] lines = System.IO.File.ReadAllLines(path);
        var values = new List<int>(lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            string t = lines[i].Trim();
            if (t.Length == 0)
            {
                continue;
            }

            if (!int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            {
                throw new GraphFormatException(path, i + 1, $"expected an integer, got '{t}'.");
            }

            values.Add(v);
        }

        return [.. values];
    }

    private static int[]? OptionalInts(string path, int expected, out int[] distinct)
    {
        distinct = [];
        if (!System.IO.File.Exists(path))
        {
            return null;
        }

        int[] raw = ReadInts(path);
        if (raw.Length != expected)
        {
            throw new GraphFormatException(path, raw.Length + 1, $"has {raw.Length} values, expected {expected}.");
        }

        distinct = raw.Distinct().Order().ToArray();
        var index = distinct.Select((v, i) => (v, i)).ToDictionary(p => p.v, p => p.i);
        return raw.Select(v => index[v]).ToArray();
    }

    private static float[]? OptionalFloatRows(string path, int expectedRows, out int width)
    {
        width = 0;
        if (!System.IO.File.Exists(path))
        {
            return null;
        }

        string[] lines = System.IO.File.ReadAllLines(path);
        var values = new List<float>();
        int rows = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            string t = lines[i].Trim();
            if (t.Length == 0)
            {
                continue;
            }

            string[] parts = t.Split(',');
            if (rows == 0)
            {
                width = parts.Length;
            }
            else if (parts.Length != width)
            {
                throw new GraphFormatException(path, i + 1, $"has {parts.Length} attributes, earlier rows have {width}.");
            }

            foreach (string p in parts)
            {
                if (!float.TryParse(p.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out float f))
                {
                    throw new GraphFormatException(path, i + 1, $"attribute '{p.Trim()}' is not a number.");
                }

                values.Add(f);
            }

            rows++;
        }

        if (rows != expectedRows)
        {
            throw new GraphFormatException(path, lines.Length, $"has {rows} rows, expected {expectedRows} (one per node).");
        }

        return [.. values];
    }
}
