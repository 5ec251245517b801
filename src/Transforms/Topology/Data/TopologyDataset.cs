using System.Globalization;
using Pipelines.Transforms.Graphs;

namespace Pipelines.Transforms.Topology.Data;

/// <summary>One labelled vector (time series or flattened point cloud).</summary>
/// <param name="Values">Values.</param>
/// <param name="Label">Class label as written in the file.</param>
public sealed record LabelledVector(float[] Values, string Label);

/// <summary>What the rows of a <see cref="TopologyDataset"/> hold.</summary>
public enum TopologyDataKind
{
    /// <summary>Point clouds: row-major coordinates of <see cref="TopologyDataset.PointDimension"/>-dimensional points.</summary>
    PointClouds,

    /// <summary>Time series (delay-embedded into point clouds by the transformer).</summary>
    TimeSeries,

    /// <summary>Graphs: flattened 0-based edge lists <c>[u0, v0, u1, v1, …]</c> with the node count.</summary>
    Graphs,
}

/// <summary>One row of a topology data set.</summary>
/// <param name="Values">Point coordinates, series values or the flattened edge list.</param>
/// <param name="NodeCount">Node count (graphs only; 0 otherwise).</param>
/// <param name="Label">Class label as written in the file.</param>
public sealed record TopologySample(float[] Values, int NodeCount, string Label)
{
    /// <summary>Gets one label per node as written in the file (TU <c>DS_node_labels.txt</c>: atomic numbers for molecules), or null.</summary>
    public float[]? NodeLabels { get; init; }
}

/// <summary>
/// The benchmark data of the topology use cases, one labelled row each: a TU graph folder (read by the shared
/// <see cref="TuDatasetReader"/>), a UCR 2018 <c>.tsv</c> file, or a CSV of labelled points (<see cref="PointCloudReader"/>).
/// </summary>
/// <param name="Kind">What the rows hold.</param>
/// <param name="Rows">The rows in file order.</param>
/// <param name="PointDimension">Coordinates per point of <see cref="TopologyDataKind.PointClouds"/>; 0 otherwise.</param>
public sealed record TopologyDataset(TopologyDataKind Kind, IReadOnlyList<TopologySample> Rows, int PointDimension)
{
    /// <summary>Default values (also those of <c>pipelines topo vectorize</c>).</summary>
    public static class Defaults
    {
        /// <summary>Rows per point cloud in a labelled-points CSV (the GUDHI activities layout).</summary>
        public const int PointsPerCloud = 125;
    }

    /// <summary>The column of a row's values when the rows are a data view (and the features' column, which replaces it).</summary>
    public const string ValuesColumnName = "Features";

    /// <summary>The column of a row's node count when the rows are a data view.</summary>
    public const string NodeCountColumnName = "Nodes";

    /// <summary>The column of a row's node labels (<see cref="TopologySample.NodeLabels"/>) when the rows are a data view.</summary>
    public const string NodeLabelColumnName = "NodeLabels";

    /// <summary>
    /// Loads <paramref name="path"/>: a folder is a TU data set, a <c>.tsv</c> file a UCR data set, any other file a
    /// CSV of labelled points grouped by <paramref name="pointsPerCloud"/>.
    /// </summary>
    /// <param name="path">Folder or file.</param>
    /// <param name="pointsPerCloud">Rows per cloud of a points CSV.</param>
    /// <returns>The data set.</returns>
    /// <exception cref="FileNotFoundException"><paramref name="path"/> does not exist, or a TU file is missing.</exception>
    /// <exception cref="GraphFormatException">A malformed TU line (file and line named).</exception>
    /// <exception cref="DataFormatException">A malformed UCR or CSV line (file and line named).</exception>
    public static TopologyDataset Load(string path, int pointsPerCloud = Defaults.PointsPerCloud)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            return FromTu(TuDatasetReader.Read(path));
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Input not found: {path}", path);
        }

        if (path.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase))
        {
            return ReadUcr(path);
        }

        List<LabelledVector> clouds = PointCloudReader.ReadLabelledClouds(path, pointsPerCloud, out int dim);
        return new TopologyDataset(TopologyDataKind.PointClouds, [.. clouds.Select(c => new TopologySample(c.Values, 0, c.Label))], dim);
    }

    /// <summary>The graphs of a TU data set as edge-list rows (each undirected edge once, as <c>(min, max)</c>), labelled as in the file.</summary>
    /// <param name="tu">A data set read by <see cref="TuDatasetReader"/>.</param>
    /// <returns>The data set.</returns>
    public static TopologyDataset FromTu(TuDataset tu)
    {
        ArgumentNullException.ThrowIfNull(tu);
        var rows = new TopologySample[tu.Graphs.Count];
        for (int g = 0; g < rows.Length; g++)
        {
            Graph graph = tu.Graphs[g];
            var edges = new float[2 * graph.EdgeCount];
            for (int e = 0; e < graph.EdgeCount; e++)
            {
                edges[2 * e] = Math.Min(graph.EdgeSources[e], graph.EdgeTargets[e]);
                edges[(2 * e) + 1] = Math.Max(graph.EdgeSources[e], graph.EdgeTargets[e]);
            }

            rows[g] = new TopologySample(edges, graph.NodeCount, tu.GraphLabels[g])
            {
                NodeLabels = graph.NodeTypes is { } types && tu.NodeLabelValues.Count > 0 ? [.. types.Select(t => (float)tu.NodeLabelValues[t])] : null,
            };
        }

        return new TopologyDataset(TopologyDataKind.Graphs, rows, 0);
    }

    /// <summary>Reads a UCR 2018 <c>.tsv</c> file: one series per line, label first, tab-separated; empty and <c>NaN</c> values are skipped.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The series.</returns>
    /// <exception cref="DataFormatException">A value is not a number (file and line named).</exception>
    public static TopologyDataset ReadUcr(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var rows = new List<TopologySample>();
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

                values.Add(float.TryParse(parts[k], NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out float v)
                    ? v
                    : throw new DataFormatException(path, lineNo, $"'{parts[k]}' is not a number."));
            }

            rows.Add(new TopologySample([.. values], 0, parts[0]));
        }

        return new TopologyDataset(TopologyDataKind.TimeSeries, rows, 0);
    }
}
