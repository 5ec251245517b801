using Pipelines.Testing;
using Xunit;

namespace Pipelines.Onnx.Tests;

public class ModelIOTests
{
    [Fact]
    public void MiniLm_LoadSaveLoad_IsByteStable_AndOrtOutputsIdentical()
    {
        using var dir = new TempDirectory();
        OnnxModel original = MiniLm.LoadCopy();
        string first = dir.File("a.onnx");
        string second = dir.File("b.onnx");
        OnnxModelIO.Save(original, first);
        OnnxModelIO.Save(OnnxModelIO.Load(first), second);

        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));

        (long[] ids, long[] mask, int batch, int seq) = MiniLm.SampleBatch();
        float[] expected = OrtRunner.RunEncoder(OnnxModelIO.Load(MiniLm.Files.ModelPath), ids, mask, batch, seq);
        float[] actual = OrtRunner.RunEncoder(OnnxModelIO.Load(second), ids, mask, batch, seq);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Clone_And_WriteTo_MatchTheByteRoundTrip_AndShareNothing()
    {
        OnnxModel model = MiniLm.LoadCopy();
        byte[] bytes = OnnxModelIO.ToBytes(model);
        OnnxModel copy = model.Clone();
        Assert.Equal(bytes, OnnxModelIO.ToBytes(copy));
        Assert.Equal(bytes, OnnxModelIO.ToBytes(OnnxModelIO.FromBytes(bytes)));
        using var stream = new MemoryStream();
        OnnxModelIO.WriteTo(model, stream);
        Assert.Equal(bytes, stream.ToArray());
        for (int i = 0; i < model.Graph.Initializers.Count; i++)
        {
            Assert.NotSame(model.Graph.Initializers[i], copy.Graph.Initializers[i]);
            if (model.Graph.Initializers[i].RawData.Length > 0)
            {
                Assert.NotSame(model.Graph.Initializers[i].RawData, copy.Graph.Initializers[i].RawData);
            }
        }
    }

    [Fact]
    public void Save_WithExternalData_RoundTripsTensorsExactly()
    {
        using var dir = new TempDirectory();
        OnnxModel model = TinyModels.Mlp(seed: 3);
        string path = dir.File("mlp.onnx");
        OnnxModelIO.Save(model, path, new OnnxSaveOptions { ExternalDataThreshold = 64 });

        Assert.True(File.Exists(path + ".data"));
        OnnxModel back = OnnxModelIO.Load(path);
        foreach (OnnxTensor t in model.Graph.Initializers)
        {
            OnnxTensor r = back.Graph.FindInitializer(t.Name)!;
            Assert.Equal(t.Dims, r.Dims);
            Assert.Equal(t.RawData, r.RawData);
        }

        OnnxModelIO.Save(model, dir.File("inline.onnx"));
        Assert.True(new FileInfo(path).Length < new FileInfo(dir.File("inline.onnx")).Length);
    }

    [Fact]
    public void Load_TruncatedFile_ThrowsFormatErrorNamingFile()
    {
        using var dir = new TempDirectory();
        byte[] bytes = OnnxModelIO.ToBytes(TinyModels.Mlp(seed: 1));
        string path = dir.File("truncated.onnx");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<OnnxFormatException>(() => OnnxModelIO.Load(path));
        Assert.Contains("truncated.onnx", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RandomBytes_ThrowsFormatError()
    {
        using var dir = new TempDirectory();
        var rng = new Random(20261127);
        byte[] junk = new byte[4096];
        rng.NextBytes(junk);
        string path = dir.File("junk.onnx");
        File.WriteAllBytes(path, junk);

        var e = Assert.Throws<OnnxFormatException>(() => OnnxModelIO.Load(path));
        Assert.Contains("junk.onnx", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EmptyFile_ThrowsFormatError()
    {
        using var dir = new TempDirectory();
        string path = dir.File("empty.onnx");
        File.WriteAllBytes(path, []);

        var e = Assert.Throws<OnnxFormatException>(() => OnnxModelIO.Load(path));
        Assert.Contains("empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => OnnxModelIO.Load("/nonexistent/model.onnx"));
    }

    [Fact]
    public void Validate_WrongOpset_NamesTheOpset()
    {
        OnnxModel model = TinyModels.Mlp(seed: 1);
        model.OpsetImports.Clear();
        model.OpsetImports.Add(new OpsetImport("", 99));

        var e = Assert.Throws<OnnxGraphException>(() => OnnxModelValidator.Validate(model, "m.onnx"));
        Assert.Contains("opset 99", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DanglingInput_NamesNodeAndValue()
    {
        OnnxModel model = TinyModels.Mlp(seed: 1);
        model.Graph.Nodes[0].Inputs[0] = "ghost";

        var e = Assert.Throws<OnnxGraphException>(() => OnnxModelValidator.Validate(model, "m.onnx"));
        Assert.Contains("ghost", e.Message, StringComparison.Ordinal);
        Assert.Contains(model.Graph.Nodes[0].Name, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_Interrupted_LeavesOldFileIntactAndNoTemporaryFiles()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.onnx");
        OnnxModelIO.Save(TinyModels.Mlp(seed: 1), path);
        byte[] before = File.ReadAllBytes(path);

        Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[1000]);
            throw new IOException("disk full (simulated)");
        }));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Save_ModelTooLargeForProtobuf_RefusesWithoutTouchingTarget()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.onnx");
        OnnxModelIO.Save(TinyModels.Mlp(seed: 1), path);
        byte[] before = File.ReadAllBytes(path);
        OnnxModel huge = TinyModels.Mlp(seed: 1);
        huge.Graph.Initializers.Add(new OnnxTensor("big", TensorElementType.UInt8, [int.MaxValue / 2 + 1], new byte[int.MaxValue / 2 + 1]));
        huge.Graph.Initializers.Add(new OnnxTensor("big2", TensorElementType.UInt8, [int.MaxValue / 2 + 1], new byte[int.MaxValue / 2 + 1]));

        var e = Assert.Throws<OnnxFormatException>(() => OnnxModelIO.Save(huge, path));
        Assert.Contains("ExternalDataThreshold", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
    }
}
