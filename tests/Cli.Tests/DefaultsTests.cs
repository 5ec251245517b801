using System.CommandLine;
using Pipelines.Export;
using Pipelines.Export.Quantization;
using Pipelines.Numerics.Graphs;
using Pipelines.Numerics.Topology;
using Pipelines.Trainers;
using Pipelines.Trainers.Graphs;
using Pipelines.Trainers.TextClassification;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Datasets;
using Pipelines.Transforms.LowRank;
using Pipelines.Transforms.Topology;
using Pipelines.Transforms.Topology.Data;
using Xunit;

namespace Pipelines.Cli.Tests;

/// <summary>The CLI's defaults are the API's: each command's unset option parses to the value a fresh options record holds.</summary>
public sealed class DefaultsTests
{
    private static ParseResult Parse(string commandLine)
    {
        ParseResult parsed = Program.BuildRoot().Parse(commandLine);
        Assert.Empty(parsed.Errors);
        return parsed;
    }

    [Fact]
    public void LoraInit_DefaultsAreLowRankOptionsDefaults()
    {
        ParseResult p = Parse("lora init --model m.onnx --out o");
        var api = new LowRankOptions();
        Assert.Equal(api.Method, LowRankMethods.Parse(p.GetValue<string>("--method")!, LowRankMethods.Initializers));
        Assert.Equal(api.Rank, p.GetValue<int>("--rank"));
        Assert.Equal(api.PowerIterations, p.GetValue<int>("--niter"));
        Assert.Equal(api.Oversampling, p.GetValue<int>("--oversample"));
        Assert.Equal(api.RangeFinder == Pipelines.Numerics.LinearAlgebra.RangeFinder.BlockKrylov ? "krylov" : "subspace", p.GetValue<string>("--range-finder"));
        Assert.Equal(api.Seed, p.GetValue<ulong>("--seed"));
        Assert.Equal(api.BaseUntouched, p.GetValue<bool>("--base-untouched"));
        Assert.Equal(api.RsLora, p.GetValue<bool>("--rslora"));
        Assert.Equal(api.Dora, p.GetValue<bool>("--dora"));
        Assert.Equal(LoftQOptions.Defaults.Iterations, p.GetValue<int>("--loftq-iter"));
    }

    [Fact]
    public void LoraTrain_DefaultsAreFineTuneOptionsDefaults()
    {
        ParseResult p = Parse("lora train --train t.txt --out o");
        var api = new FineTuneOptions();
        Assert.Equal(api.Epochs, p.GetValue<int>("--epochs"));
        Assert.Equal(api.BatchSize, p.GetValue<int>("--batch-size"));
        Assert.Equal(api.MaxLength, p.GetValue<int>("--max-length"));
        Assert.Equal(api.Schedule, p.GetValue<FineTuneSchedule>("--schedule"));
        Assert.Equal(api.HeadLearningRate, p.GetValue<float>("--head-lr"));
        Assert.Equal(api.CheckpointEvery, p.GetValue<int>("--checkpoint-every"));
        Assert.Equal(api.Seed, p.GetValue<int>("--seed"));
        Assert.Equal(api.MaxSteps, p.GetValue<int?>("--max-steps"));
        // Method, rank and learning rate are unset on the command line (the folder's, then the API's): resolved by
        // FineTuneSource and FineTuneOptions.Defaults.For.
        Assert.Null(p.GetValue<string?>("--method"));
        Assert.Null(p.GetValue<int?>("--rank"));
        Assert.Null(p.GetValue<float?>("--lr"));
        Assert.Equal(api.LearningRate, FineTuneOptions.Defaults.For(api.Method));
    }

    [Fact]
    public void Export_DefaultsAreQuantizationAndExportOptionsDefaults()
    {
        ParseResult p = Parse("export --model m.onnx --out o.onnx");
        var q = new QuantizationOptions();
        var e = new ExportOptions();
        Assert.Equal(q.BlockSize, p.GetValue<int>("--block"));
        Assert.Equal(q.AccuracyLevel, p.GetValue<int>("--accuracy-level"));
        Assert.Equal(q.Search, p.GetValue<BlockScaleSearch>("--scale-search"));
        Assert.Equal(q.Symmetric, p.GetValue<bool>("--symmetric"));
        Assert.Equal(q.Hqq.Iterations, p.GetValue<int>("--hqq-iters"));
        Assert.Equal(q.EmbeddingBlockSize, p.GetValue<int>("--embedding-block"));
        Assert.Equal(q.EightBit.LastLayers, p.GetValue<int>("--int8-layers"));
        Assert.Equal(q.EightBit.SizeBudget, p.GetValue<double>("--int8-budget"));
        Assert.Equal(q.Rounding, p.GetValue<WeightRounding>("--rounding"));
        Assert.Equal(q.EightBit.Kernel, p.GetValue<EightBitKernel>("--int8-kernel"));
        Assert.Equal(e.QPissaIterations, p.GetValue<int>("--qpissa-iters"));
        Assert.Equal(e.Format, Commands.ExportCommand.ParseFormat(p.GetValue<string>("--quantize")!));
    }

    [Fact]
    public void GraphTrain_DefaultsAreGraphTrainerGineAndEncodingDefaults()
    {
        ParseResult p = Parse("graph train --data d --out o");
        var api = new GraphTrainerOptions();
        var gine = new GineOptions();
        Assert.Equal(GraphEncoding.Defaults.Trained, p.GetValue<GraphEncodingKind>("--pe"));
        Assert.Equal(new SpeEncoding().K, p.GetValue<int>("--k"));
        Assert.Equal(api.Epochs, p.GetValue<int>("--epochs"));
        Assert.Equal(api.BatchSize, p.GetValue<int>("--batch-size"));
        Assert.Equal(api.LearningRate, p.GetValue<float>("--lr"));
        Assert.Equal(api.Seed, p.GetValue<int>("--seed"));
        Assert.Equal(api.Batching, p.GetValue<GraphBatching>("--batching"));
        Assert.Equal(gine.HiddenSize, p.GetValue<int>("--hidden"));
        Assert.Equal(gine.Layers, p.GetValue<int>("--layers"));
        Assert.Equal(gine.Init, p.GetValue<GnnInit>("--init"));
        Assert.Equal(GnnInit.Virgo, Parse("graph train --data d --out o --init virgo").GetValue<GnnInit>("--init"));
        Assert.Equal(GraphDataset.Defaults.HeldOutFraction, p.GetValue<double>("--test-fraction"));
        Assert.Equal(new SpectrumOptions().Truncation, p.GetValue<SpectrumTruncation>("--spectrum"));
        Assert.Equal(new GraphProtocolOptions().Folds, p.GetValue<int>("--folds"));
        Assert.Null(p.GetValue<string?>("--seeds")); // none: the --seed alone (GraphProtocolOptions.SeedsOr)
        Assert.Equal(api.Patience, p.GetValue<int>("--patience"));
        Assert.Null(api.Plateau);
        Assert.Equal(0, p.GetValue<int>("--plateau")); // 0: off, as the options' null
        Assert.Equal(PlateauReduction.Defaults.Factor, p.GetValue<double>("--plateau-factor"));
        Assert.Equal(PlateauReduction.Defaults.MinScale, p.GetValue<double>("--plateau-min-scale"));
        Assert.Equal(api.Threads, p.GetValue<int>("--threads"));
        Assert.Equal(gine.MessagePassing, p.GetValue<GraphMessagePassing>("--message-passing"));
        Assert.Equal(gine.SpeLayout, p.GetValue<Pipelines.Transforms.Graphs.Spe.SpeBatchLayout>("--spe-layout"));
        Assert.Equal(gine.Normalization, p.GetValue<Pipelines.Transforms.Graphs.Spe.SpeNormalization>("--gine-norm"));
        var spe = new Pipelines.Transforms.Graphs.Spe.SpeOptions();
        Assert.Equal(spe.Normalization, p.GetValue<Pipelines.Transforms.Graphs.Spe.SpeNormalization>("--spe-norm"));
        Assert.Equal(spe.ColumnReduction, p.GetValue<Pipelines.Transforms.Graphs.Spe.SpeColumnReduction>("--spe-reduction"));
    }

    [Fact]
    public void GraphEncode_DefaultsAreEncodingDefaults()
    {
        ParseResult p = Parse("graph encode --data d --out o");
        Assert.Equal(GraphEncoding.Defaults.Precomputed, p.GetValue<GraphEncodingKind>("--pe"));
        Assert.Equal(new LapPeEncoding().K, p.GetValue<int>("--k"));
        Assert.Null(p.GetValue<SpectrumTruncation?>("--spectrum")); // unset: SpectrumOptions.Defaults.Truncation, or an SPE model's own
    }

    [Fact]
    public void Topo_DefaultsAreSignedMeasureRipsAndDatasetDefaults()
    {
        ParseResult p = Parse("topo vectorize --input i --out o");
        var api = new SignedMeasureOptions { OutputColumnName = "f", Input = new PointCloudInput(2) };
        Assert.Equal(BifiltrationPreset.Default.Name, p.GetValue<string>("--filtration"));
        Assert.Equal(api.Invariant.ToString().ToLowerInvariant(), p.GetValue<string>("--invariant"));
        Assert.Equal(SignedMeasureVectorizer.Convolution, api.Vectorizer);
        Assert.Equal("conv", p.GetValue<string>("--vectorizer"));
        Assert.Equal(api.GridResolution, p.GetValue<int>("--resolution"));
        Assert.Equal(api.OutputResolution, SignedMeasureOptions.Defaults.OutputResolutionFor(api.GridResolution));
        Assert.Equal(TopologyDataset.Defaults.PointsPerCloud, p.GetValue<int>("--cloud-size"));
        var series = new TimeSeriesInput();
        Assert.Equal(series.Dimension, p.GetValue<int>("--embedding-dimension"));
        Assert.Equal(series.Delay, p.GetValue<int>("--delay"));
        Assert.Equal(series.Skip, p.GetValue<int>("--skip"));
        Assert.Equal(SeriesFiltration.DelayEmbedding, series.Filtration);
        Assert.Equal("delay", p.GetValue<string>("--series-filtration"));

        p = Parse("topo persistence --points p");
        Assert.Equal(new RipsOptions().MaxDimension, p.GetValue<int>("--maxdim"));
        Assert.Equal(new RipsOptions().Budget.MaxBytes >> 20, p.GetValue<long>("--max-mib"));
    }
}
