using System.CommandLine;
using Pipelines.Numerics.Topology;
using Pipelines.Trainers.Graphs;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Datasets;
using Pipelines.Transforms.Topology;
using Pipelines.Transforms.Topology.Data;
using Xunit;

namespace Pipelines.Cli.Tests;

/// <summary>The defaults of the graph and topology commands are the libraries' <c>Defaults</c>.</summary>
public sealed class UseCaseDefaultsTests
{
    private static ParseResult Parse(params string[] args)
    {
        ParseResult result = Program.BuildRoot().Parse(args);
        Assert.Empty(result.Errors);
        return result;
    }

    [Fact]
    public void GraphTrain_DefaultsComeFromTheApi()
    {
        ParseResult r = Parse("graph", "train", "--data", "d", "--out", "o");
        Assert.Equal(GraphEncoding.Defaults.Trained, r.GetValue<GraphEncodingKind>("--pe"));
        Assert.Equal(GraphEncoding.Defaults.K, r.GetValue<int>("--k"));
        Assert.Equal(GraphTrainerOptions.Defaults.Epochs, r.GetValue<int>("--epochs"));
        Assert.Equal(GraphTrainerOptions.Defaults.BatchSize, r.GetValue<int>("--batch-size"));
        Assert.Equal(GraphTrainerOptions.Defaults.LearningRate, r.GetValue<float>("--lr"));
        Assert.Equal(GineOptions.Defaults.HiddenSize, r.GetValue<int>("--hidden"));
        Assert.Equal(GineOptions.Defaults.Layers, r.GetValue<int>("--layers"));
        Assert.Equal(GraphTrainerOptions.Defaults.Seed, r.GetValue<int>("--seed"));
        Assert.Equal(GraphDataset.Defaults.HeldOutFraction, r.GetValue<double>("--test-fraction"));
        Assert.Equal(GraphTrainerOptions.Defaults.Batching, r.GetValue<GraphBatching>("--batching"));
    }

    [Fact]
    public void GraphEncode_DefaultsComeFromTheApi()
    {
        ParseResult r = Parse("graph", "encode", "--data", "d", "--out", "o");
        Assert.Equal(GraphEncoding.Defaults.Precomputed, r.GetValue<GraphEncodingKind>("--pe"));
        Assert.Equal(GraphEncoding.Defaults.K, r.GetValue<int>("--k"));
    }

    [Fact]
    public void Topo_DefaultsComeFromTheApi()
    {
        ParseResult r = Parse("topo", "vectorize", "--input", "i", "--out", "o");
        Assert.Equal(BifiltrationPreset.Default.Name, r.GetValue<string>("--filtration"));
        Assert.Equal("hilbert", r.GetValue<string>("--invariant"));
        Assert.Equal(SignedMeasureInvariant.Hilbert, SignedMeasureOptions.Defaults.Invariant);
        Assert.Equal("conv", r.GetValue<string>("--vectorizer"));
        Assert.Equal(SignedMeasureVectorizer.Convolution, SignedMeasureOptions.Defaults.Vectorizer);
        Assert.Equal(SignedMeasureOptions.Defaults.GridResolution, r.GetValue<int>("--resolution"));
        Assert.Equal(TopologyDataset.Defaults.PointsPerCloud, r.GetValue<int>("--cloud-size"));

        r = Parse("topo", "persistence", "--points", "p");
        Assert.Equal(RipsOptions.Defaults.MaxDimension, r.GetValue<int>("--maxdim"));
        Assert.Equal(ComplexBudget.Default.MaxBytes >> 20, r.GetValue<long>("--max-mib"));
    }
}
