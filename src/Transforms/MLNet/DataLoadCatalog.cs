using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Datasets;
using Pipelines.Transforms.Graphs.MLNet;
using Pipelines.Transforms.Topology.Data;

namespace Pipelines;

/// <summary>
/// Readers that return an <see cref="IDataView"/> (<c>mlContext.Data.LoadTuDataset(…)</c>, <c>LoadSmilesCsv</c>,
/// <c>LoadUcr</c>): each wraps the one reader of its format (<see cref="TuDatasetReader"/>, <see cref="SmilesCsvReader"/>,
/// <see cref="TopologyDataset.ReadUcr"/>), so errors name file and line as those do. Graph views have the columns
/// <c>Graph</c> (<see cref="GraphDataViewType"/>) and <c>Label</c> (Single: the class index, the regression target, or NaN
/// when unlabelled); series views <c>Values</c> (variable-length vector of Single) and <c>Label</c> (text).
/// </summary>
public static class DataLoadCatalog
{
    /// <summary>The graph column of the graph views.</summary>
    public const string GraphColumnName = "Graph";

    /// <summary>The label column of every view.</summary>
    public const string LabelColumnName = "Label";

    /// <summary>The series column of <see cref="LoadUcr"/>.</summary>
    public const string ValuesColumnName = "Values";

    /// <summary>Reads a TU data set folder (<c>NAME_A.txt</c>, <c>NAME_graph_indicator.txt</c>, …); integer graph labels become class indices.</summary>
    /// <param name="catalog">The data catalog (<c>mlContext.Data</c>).</param>
    /// <param name="folder">The TU folder.</param>
    /// <returns>One row per graph: <c>Graph</c>, <c>Label</c>.</returns>
    public static IDataView LoadTuDataset(this DataOperationsCatalog catalog, string folder)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        return Graphs(catalog, GraphDataset.FromTu(TuDatasetReader.Read(folder)));
    }

    /// <summary>Reads a SMILES CSV: atoms typed over the whole file, bond orders as edge types.</summary>
    /// <param name="catalog">The data catalog (<c>mlContext.Data</c>).</param>
    /// <param name="path">The CSV file.</param>
    /// <param name="targetColumn">The numeric target column, or null (labels NaN).</param>
    /// <param name="smilesColumn">The SMILES column; null picks the first whose name contains "smiles".</param>
    /// <returns>One row per molecule: <c>Graph</c>, <c>Label</c>.</returns>
    public static IDataView LoadSmilesCsv(this DataOperationsCatalog catalog, string path, string? targetColumn = null, string? smilesColumn = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Graphs(catalog, GraphDataset.ReadSmilesCsv(path, smilesColumn, targetColumn));
    }

    /// <summary>Reads a UCR 2018 <c>.tsv</c> file (label first, tab-separated; empty and NaN values skipped).</summary>
    /// <param name="catalog">The data catalog (<c>mlContext.Data</c>).</param>
    /// <param name="path">The <c>.tsv</c> file.</param>
    /// <returns>One row per series: <c>Values</c>, <c>Label</c>.</returns>
    public static IDataView LoadUcr(this DataOperationsCatalog catalog, string path)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return catalog.LoadFromEnumerable(TopologyDataset.ReadUcr(path).Rows.Select(r => new SeriesRow { Values = r.Values, Label = r.Label }).ToList());
    }

    private static IDataView Graphs(DataOperationsCatalog catalog, GraphDataset dataset)
    {
        GraphDataViewType.Register();
        return catalog.LoadFromEnumerable(dataset.Graphs.Select(g => new GraphRow { Graph = g, Label = g.Target }).ToList());
    }

    private sealed class GraphRow
    {
        [ColumnName(GraphColumnName)]
        public Graph? Graph { get; set; }

        [ColumnName(LabelColumnName)]
        public float Label { get; set; }
    }

    private sealed class SeriesRow
    {
        [ColumnName(ValuesColumnName)]
        [VectorType]
        public float[] Values { get; set; } = [];

        [ColumnName(LabelColumnName)]
        public string Label { get; set; } = "";
    }
}
