using System.Diagnostics;
using Google.Protobuf;
using Pipelines.Testing;
using Xunit;
using P = global::Onnx;

namespace Pipelines.Onnx.Tests;

/// <summary>Issue 19's reproducers for external data and tensor decoding: every bad file is an <see cref="OnnxFormatException"/> naming tensor and field.</summary>
public class ExternalDataTests
{
    [Fact]
    public void Load_LocationLinkedToEtcPasswd_IsRefusedAsOutsideTheFolder()
    {
        using var dir = new TempDirectory();
        string path = SaveExternal(dir, "w.bin");
        File.Delete(dir.File("w.bin"));
        File.CreateSymbolicLink(dir.File("w.bin"), "/etc/passwd");

        AssertRefused(path, "'W1'", "outside the model folder");
    }

    [Fact]
    public void Load_LocationThroughFolderLinkToEtc_IsRefusedAsOutsideTheFolder()
    {
        using var dir = new TempDirectory();
        string path = Edit(SaveExternal(dir, "w.bin"), "W1", t => Set(t, "location", "etc/passwd"));
        Directory.CreateSymbolicLink(dir.File("etc"), "/etc");

        AssertRefused(path, "'W1'", "/etc/passwd", "outside the model folder");
    }

    [Fact]
    public void Load_LocationLinkedInsideTheFolder_Loads()
    {
        using var dir = new TempDirectory();
        string path = SaveExternal(dir, "w.bin");
        Directory.CreateDirectory(dir.File("blobs"));
        File.Move(dir.File("w.bin"), dir.File("blobs/w.bin"));
        File.CreateSymbolicLink(dir.File("w.bin"), "blobs/w.bin");

        OnnxModel back = OnnxModelIO.Load(path);

        Assert.Equal(TinyModels.Mlp(seed: 1).Graph.FindInitializer("W1")!.RawData, back.Graph.FindInitializer("W1")!.RawData);
    }

    [Fact]
    public async Task Load_LocationIsAFifo_IsRefusedWithoutBlocking()
    {
        using var dir = new TempDirectory();
        string path = SaveExternal(dir, "w.bin");
        File.Delete(dir.File("w.bin"));
        using (Process mkfifo = Process.Start("mkfifo", dir.File("w.bin")))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        Task<Exception?> load = Task.Run<Exception?>(() => Record.Exception(() => OnnxModelIO.Load(path)));
        bool finished = await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(30))) == load;
        if (!finished)
        {
            // Unblock the reader stuck in open(2) before failing.
            using var writer = new FileStream(dir.File("w.bin"), FileMode.Open, FileAccess.Write);
        }

        Assert.True(finished, "loading a model whose external data is a FIFO blocked");
        var e = Assert.IsType<OnnxFormatException>(await load);
        Assert.Contains("'W1'", e.Message, StringComparison.Ordinal);
        Assert.Contains("FIFO", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LocationIsADirectory_IsRefused()
    {
        using var dir = new TempDirectory();
        string path = Edit(SaveExternal(dir, "w.bin"), "W1", t => Set(t, "location", "sub"));
        Directory.CreateDirectory(dir.File("sub"));

        AssertRefused(path, "'W1'", "a directory, not a regular file");
    }

    [Theory]
    [InlineData("offset", "abc", "offset 'abc'")]
    [InlineData("offset", "-1", "offset '-1'")]
    [InlineData("length", "1e3", "length '1e3'")]
    [InlineData("length", "9223372036854775808", "length '9223372036854775808'")]
    public void Load_ExternalFieldNotANumber_NamesTensorFieldAndValue(string field, string value, string expected)
    {
        using var dir = new TempDirectory();
        string path = Edit(SaveExternal(dir, "w.bin"), "W1", t => Set(t, field, value));

        AssertRefused(path, "'W1'", expected);
    }

    [Theory]
    [InlineData("1", "9223372036854775807", "offset 1 and length 9223372036854775807, past the end")]
    [InlineData("9223372036854775807", "128", "offset 9223372036854775807, past the end")]
    [InlineData("1000000", null, "offset 1000000, past the end")]
    [InlineData("0", "4", "length 4")]
    [InlineData("8", null, "length 216")]
    public void Load_ExternalOffsetOrLengthOutOfRange_NamesTensorAndField(string offset, string? length, string expected)
    {
        using var dir = new TempDirectory();
        string path = Edit(SaveExternal(dir, "w.bin"), "W1", t =>
        {
            Set(t, "offset", offset);
            if (length is null)
            {
                t.ExternalData.Remove(t.ExternalData.Single(kv => kv.Key == "length"));
            }
            else
            {
                Set(t, "length", length);
            }
        });

        AssertRefused(path, "'W1'", expected, "w.bin");
    }

    [Theory]
    [InlineData(new[] { 1L << 32, 1L << 32, 1L }, "overflows")]
    [InlineData(new[] { 1L << 40 }, "more than one tensor can hold")]
    [InlineData(new[] { 1L << 61, 2L }, "more than 2^63")]
    [InlineData(new[] { 4L, -8L }, "negative dimension")]
    public void Load_ExtremeDims_NamesTensorAndDims(long[] dims, string expected)
    {
        using var dir = new TempDirectory();
        string path = dir.File("mlp.onnx");
        OnnxModelIO.Save(TinyModels.Mlp(seed: 1), path);
        Edit(path, "W1", t =>
        {
            t.Dims.Clear();
            t.Dims.AddRange(dims);
        });

        AssertRefused(path, "'W1'", expected);
    }

    [Fact]
    public void Load_ExtremeDimsOnExternalTensor_RefusedBeforeReading()
    {
        using var dir = new TempDirectory();
        string path = Edit(SaveExternal(dir, "w.bin"), "W1", t =>
        {
            t.Dims.Clear();
            t.Dims.AddRange([1L << 32, 1L << 32, 1L]);
        });

        AssertRefused(path, "'W1'", "overflows");
    }

    /// <summary>Loading <paramref name="path"/> is an <see cref="OnnxFormatException"/> whose message holds every fragment.</summary>
    private static void AssertRefused(string path, params string[] fragments)
    {
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModelIO.Load(path));
        foreach (string fragment in fragments)
        {
            Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>Saves the tiny MLP with W1 (128 bytes) and W2 (96 bytes) in the external file <paramref name="dataName"/>.</summary>
    private static string SaveExternal(TempDirectory dir, string dataName)
    {
        string path = dir.File("mlp.onnx");
        OnnxModelIO.Save(TinyModels.Mlp(seed: 1), path, new OnnxSaveOptions { ExternalDataThreshold = 64, ExternalDataFileName = dataName });
        return path;
    }

    private static string Edit(string path, string tensor, Action<P.TensorProto> edit)
    {
        P.ModelProto proto = P.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        edit(proto.Graph.Initializer.Single(t => t.Name == tensor));
        File.WriteAllBytes(path, proto.ToByteArray());
        return path;
    }

    private static void Set(P.TensorProto t, string key, string value)
    {
        P.StringStringEntryProto? entry = t.ExternalData.FirstOrDefault(kv => kv.Key == key);
        if (entry is null)
        {
            t.ExternalData.Add(new P.StringStringEntryProto { Key = key, Value = value });
        }
        else
        {
            entry.Value = value;
        }
    }
}
