using Pipelines.Export.Serving;
using Pipelines.Onnx;
using Pipelines.Testing;

namespace Pipelines.Export.Tests.Serving;

public sealed class TritonModelRepositoryTests
{
    [Fact]
    public void Write_Int64Inputs_ConfigMatchesTheOnnxSignature()
    {
        using var dir = new TempDirectory();
        string model = Save(dir, "encoder.onnx", Int64Encoder());
        TritonModelFiles files = TritonModelRepository.Write(dir.File("repo"), model, new TritonOptions { ModelName = "encoder", InstanceCount = 2 });
        PbtxtMessage config = AssertMatchesSignature(files, expectBatched: true);
        Assert.Equal(TritonOptions.Defaults.MaxBatchSize, config.Int("max_batch_size"));
        Assert.Equal("TYPE_INT64", config.Messages("input")[0].Scalar("data_type"));
        Assert.Equal([-1], config.Messages("input")[0].Ints("dims"));
        Assert.Equal([-1, 4], config.Messages("output")[0].Ints("dims"));
        PbtxtMessage group = Assert.Single(config.Messages("instance_group"));
        Assert.Equal(2, group.Int("count"));
        Assert.Equal("KIND_CPU", group.Scalar("kind"));
        Assert.Single(config.Messages("dynamic_batching"));
    }

    [Fact]
    public void Write_FloatInputs_ConfigMatchesAndModelBytesAreCopied()
    {
        using var dir = new TempDirectory();
        string model = Save(dir, "mlp.onnx", TinyModels.Mlp(3));
        TritonModelFiles files = TritonModelRepository.Write(dir.File("repo"), model, new TritonOptions { ModelName = "mlp" });
        PbtxtMessage config = AssertMatchesSignature(files, expectBatched: true);
        Assert.Equal("TYPE_FP32", config.Messages("input")[0].Scalar("data_type"));
        Assert.Equal([4], config.Messages("input")[0].Ints("dims"));
        Assert.Equal([3], config.Messages("output")[0].Ints("dims"));
        Assert.Equal(File.ReadAllBytes(model), File.ReadAllBytes(Path.Combine(dir.Path, "repo", "mlp", "1", "model.onnx")));
        Assert.Equal(["1", "config.pbtxt"], Directory.EnumerateFileSystemEntries(files.ModelDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Write_NoBatchDimension_MaxBatchSizeZeroAndFullDims()
    {
        using var dir = new TempDirectory();
        var b = new GraphBuilder("fixed");
        string x = b.Input("x", TensorElementType.Float, 4);
        string w = b.Initializer(OnnxTensor.FromFloats("W", new float[12], 4, 3));
        b.Output(b.Op("MatMul", x, w), "y", TensorType.Of(TensorElementType.Float, 3));
        string model = Save(dir, "fixed.onnx", b.ToModel());
        TritonModelFiles files = TritonModelRepository.Write(dir.File("repo"), model, new TritonOptions { ModelName = "fixed" });
        PbtxtMessage config = AssertMatchesSignature(files, expectBatched: false);
        Assert.Equal(0, config.Int("max_batch_size"));
        Assert.Equal([4], config.Messages("input")[0].Ints("dims"));
        Assert.Empty(config.All("dynamic_batching"));
    }

    [Fact]
    public void Describe_FixedFirstDimension_IsNotBatched()
    {
        var b = new GraphBuilder("one");
        string x = b.Input("x", TensorElementType.Float, 1, "n");
        b.Output(b.Op("Relu", x), "y", TensorType.Of(TensorElementType.Float, 1, "n"));
        TritonModelConfig config = TritonModelRepository.Describe(b.ToModel(), new TritonOptions { ModelName = "one" });
        Assert.Equal(0, config.MaxBatchSize);
        Assert.Equal([1, -1], config.Inputs[0].Dims);
    }

    [Fact]
    public void Describe_BatchedRankOne_DeclaresOneAndReshapesToScalar()
    {
        var b = new GraphBuilder("ids");
        string x = b.Input("ids", TensorElementType.Int64, "batch");
        b.Output(b.Op("Identity", x), "out", TensorType.Of(TensorElementType.Int64, "batch"));
        string text = TritonModelRepository.Describe(b.ToModel(), new TritonOptions { ModelName = "ids" }).ToPbtxt();
        PbtxtMessage input = PbtxtMessage.Parse(text).Messages("input")[0];
        Assert.Equal([1], input.Ints("dims"));
        Assert.Empty(input.Message("reshape").Ints("shape"));
    }

    [Fact]
    public void Write_Twice_ReplacesTheSetAndLeavesNoStagingFolders()
    {
        using var dir = new TempDirectory();
        string repo = dir.File("repo");
        TritonModelRepository.Write(repo, Save(dir, "a.onnx", TinyModels.Mlp(1)), new TritonOptions { ModelName = "m" });
        string second = Save(dir, "b.onnx", TinyModels.Mlp(2));
        TritonModelRepository.Write(repo, second, new TritonOptions { ModelName = "m", MaxBatchSize = 8 });
        Assert.Equal(File.ReadAllBytes(second), File.ReadAllBytes(Path.Combine(repo, "m", "1", "model.onnx")));
        Assert.Equal(8, PbtxtMessage.Parse(File.ReadAllText(Path.Combine(repo, "m", "config.pbtxt"))).Int("max_batch_size"));
        Assert.Equal(["m"], Directory.EnumerateFileSystemEntries(repo).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("..")]
    public void Validate_BadName_Throws(string name) =>
        Assert.Throws<ArgumentException>(() => new TritonOptions { ModelName = name }.Validate());

    [Fact]
    public void Describe_FourBitOutput_NamesTheValue()
    {
        var b = new GraphBuilder("q");
        string x = b.Input("x", TensorElementType.Float, "batch", 2);
        b.Output(b.Op("Relu", x), "packed", TensorType.Of(TensorElementType.Int4, "batch", 2));
        OnnxFormatException e = Assert.Throws<OnnxFormatException>(() => TritonModelRepository.Describe(b.ToModel(), new TritonOptions { ModelName = "q" }));
        Assert.Contains("'packed'", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Parses config.pbtxt back and checks it against the model read through the project's ONNX IR: platform, name,
    /// every runtime input and output in order with Triton's type of its element type and its dims (batch dim stripped
    /// when batched, -1 for symbolic ones).
    /// </summary>
    private static PbtxtMessage AssertMatchesSignature(TritonModelFiles files, bool expectBatched)
    {
        PbtxtMessage config = PbtxtMessage.Parse(File.ReadAllText(files.ConfigPath));
        Assert.Equal("onnxruntime_onnx", config.Scalar("platform"));
        Assert.Equal(Path.GetFileName(files.ModelDirectory), config.Scalar("name"));
        OnnxModel model = OnnxModelIO.Load(files.ModelPath);
        bool batched = config.Int("max_batch_size") > 0;
        Assert.Equal(expectBatched, batched);
        Check(config.Messages("input"), [.. model.Graph.RuntimeInputs()], batched);
        Check(config.Messages("output"), model.Graph.Outputs, batched);
        return config;
    }

    private static void Check(IReadOnlyList<PbtxtMessage> declared, IReadOnlyList<ValueInfo> values, bool batched)
    {
        Assert.Equal(values.Count, declared.Count);
        for (int i = 0; i < values.Count; i++)
        {
            TensorType type = values[i].Type!;
            Assert.Equal(values[i].Name, declared[i].Scalar("name"));
            string expectedType = type.ElementType switch
            {
                TensorElementType.Float => "TYPE_FP32",
                TensorElementType.Int64 => "TYPE_INT64",
                TensorElementType.Int32 => "TYPE_INT32",
                TensorElementType.Float16 => "TYPE_FP16",
                var other => throw new InvalidOperationException($"no expectation for {other}"),
            };
            Assert.Equal(expectedType, declared[i].Scalar("data_type"));
            long[] dims = [.. type.Shape!.Skip(batched ? 1 : 0).Select(d => d.IsFixed ? d.Value!.Value : -1)];
            Assert.Equal(dims, declared[i].Ints("dims"));
        }
    }

    /// <summary>y = Gather(E, input_ids), input_ids int64 [batch, sequence], E [16, 4] → y [batch, sequence, 4].</summary>
    private static OnnxModel Int64Encoder()
    {
        var b = new GraphBuilder("encoder");
        string ids = b.Input("input_ids", TensorElementType.Int64, "batch", "sequence");
        string e = b.Initializer(OnnxTensor.FromFloats("E", new float[64], 16, 4));
        b.Output(b.Op("Gather", e, ids), "embeddings", TensorType.Of(TensorElementType.Float, "batch", "sequence", 4));
        return b.ToModel();
    }

    private static string Save(TempDirectory dir, string name, OnnxModel model)
    {
        string path = dir.File(name);
        OnnxModelIO.Save(model, path);
        return path;
    }
}
