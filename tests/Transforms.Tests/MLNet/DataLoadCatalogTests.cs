using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Testing;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.MLNet;
using Xunit;

namespace Pipelines.Transforms.Tests.MLNet;

public sealed class DataLoadCatalogTests
{
    [Fact]
    public void LoadTuDataset_OneRowPerGraph_WithTheReadersGraphsAndLabels()
    {
        using var dir = new TempDirectory();
        string folder = Path.Combine(dir.Path, "TOY");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "TOY_A.txt"), "1, 2\n2, 1\n2, 3\n3, 2\n1, 3\n3, 1\n4, 5\n5, 4\n");
        File.WriteAllText(Path.Combine(folder, "TOY_graph_indicator.txt"), "1\n1\n1\n2\n2\n");
        File.WriteAllText(Path.Combine(folder, "TOY_graph_labels.txt"), "-1\n1\n");
        var ml = new MLContext(seed: 1);
        IDataView view = ml.Data.LoadTuDataset(folder);
        Assert.IsType<GraphDataViewType>(view.Schema[DataLoadCatalog.GraphColumnName].Type);
        Assert.Equal([0f, 1f], view.GetColumn<float>(DataLoadCatalog.LabelColumnName).ToArray());
        Graph[] graphs = [.. view.GetColumn<Graph>(view.Schema[DataLoadCatalog.GraphColumnName])];
        Assert.Equal([3, 2], graphs.Select(g => g.NodeCount));
        Assert.Equal(TuDatasetReader.Read(folder).Graphs.Select(g => g.EdgeCount), graphs.Select(g => g.EdgeCount));
    }

    [Fact]
    public void LoadTuDataset_MissingFileFailsNamingIt()
    {
        using var dir = new TempDirectory();
        Exception e = Assert.ThrowsAny<Exception>(() => new MLContext().Data.LoadTuDataset(Path.Combine(dir.Path, "NOPE")));
        Assert.Contains("NOPE", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadSmilesCsv_OneRowPerMolecule_WithTargets()
    {
        using var dir = new TempDirectory();
        string path = dir.File("mols.csv");
        File.WriteAllText(path, "smiles,score\nCCO,1.5\nc1ccccc1,-2\n");
        IDataView view = new MLContext(seed: 1).Data.LoadSmilesCsv(path, targetColumn: "score");
        Assert.Equal([1.5f, -2f], view.GetColumn<float>(DataLoadCatalog.LabelColumnName).ToArray());
        Assert.Equal([3, 6], view.GetColumn<Graph>(view.Schema[DataLoadCatalog.GraphColumnName]).Select(g => g.NodeCount));
    }

    [Fact]
    public void LoadUcr_OneRowPerSeries_AndABadLineIsNamed()
    {
        using var dir = new TempDirectory();
        string path = dir.File("TOY_TRAIN.tsv");
        File.WriteAllText(path, "1\t0.5\t1.5\t2.5\n2\t-1\t0\tNaN\n");
        var ml = new MLContext(seed: 1);
        IDataView view = ml.Data.LoadUcr(path);
        Assert.Equal(["1", "2"], view.GetColumn<string>(DataLoadCatalog.LabelColumnName).ToArray());
        float[][] values = [.. view.GetColumn<VBuffer<float>>(DataLoadCatalog.ValuesColumnName).Select(v => v.DenseValues().ToArray())];
        Assert.Equal([0.5f, 1.5f, 2.5f], values[0]);
        Assert.Equal([-1f, 0f], values[1]);
        File.WriteAllText(path, "1\t0.5\n2\tx\n");
        Exception e = Assert.ThrowsAny<Exception>(() => ml.Data.LoadUcr(path));
        Assert.Contains("TOY_TRAIN.tsv", e.Message, StringComparison.Ordinal);
    }
}
