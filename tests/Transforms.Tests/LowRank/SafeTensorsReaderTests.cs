using System.Buffers.Binary;
using System.Text;
using Pipelines.Testing;
using Pipelines.Transforms.LowRank;
using Xunit;

namespace Pipelines.Transforms.Tests.LowRank;

/// <summary>The issue-19 reproducers: the safetensors reader refuses malformed headers with a named file, tensor and field.</summary>
public sealed class SafeTensorsReaderTests
{
    public static TheoryData<string, string, string> Malformed => new()
    {
        // (header JSON, expected text in the message, case)
        { """{"t":{"shape":[2,2],"data_offsets":[0,16]}}""", "field 'dtype'", "missing dtype" },
        { """{"t":{"dtype":"F32","data_offsets":[0,16]}}""", "field 'shape'", "missing shape" },
        { """{"t":{"dtype":"F32","shape":[2,2]}}""", "field 'data_offsets'", "missing offsets" },
        { """{"t":null}""", "tensor 't'", "null entry" },
        { """{"t":{"dtype":7,"shape":[2,2],"data_offsets":[0,16]}}""", "field 'dtype'", "dtype not a string" },
        { """{"t":{"dtype":"F32","shape":"2x2","data_offsets":[0,16]}}""", "field 'shape'", "shape not an array" },
        { """{"t":{"dtype":"F32","shape":[2,"2"],"data_offsets":[0,16]}}""", "field 'shape'", "shape element a string" },
        { """{"t":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16.5]}}""", "field 'data_offsets'", "fractional offset" },
        { """{"t":{"dtype":"F32","shape":[2,2],"data_offsets":[-8,8]}}""", "field 'data_offsets' [-8, 8)", "negative offset" },
        { """{"t":{"dtype":"F32","shape":[2,2],"data_offsets":[16,0]}}""", "field 'data_offsets' [16, 0)", "reversed offsets" },
        { """{"t":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"u":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", "overlap", "overlapping tensors" },
        { """{"t":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}""", "field 'shape' [4611686018427387904,4]", "shape [2^62, 4]" },
        { """{"t":{"dtype":"F32","shape":[3,2],"data_offsets":[0,16]}}""", "needs 24", "shape does not match the bytes" },
        { """{"t":{"dtype":"F32","shape":[-2,-2],"data_offsets":[0,16]}}""", "negative dimension", "negative dims" },
        { """{"t":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]}}""", "only F32", "other dtype" },
        { """{"t":{"dtype":"F32","shape":[2,2],"data_offsets":[0,32]}}""", "not inside the data section", "offset past the data" },
        { """{"__metadata__":{"a":1}}""", "__metadata__.a", "metadata value not a string" },
        { """[1,2]""", "not an object", "header an array" },
        { """{"t":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"t":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}""", "appears twice", "duplicate name" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Read_RefusesMalformedHeader_NamingFileTensorAndField(string header, string expected, string name)
    {
        using var dir = new TempDirectory();
        string path = dir.File("m.safetensors");
        File.WriteAllBytes(path, Craft(header, new byte[16]));
        DataFormatException e = Assert.Throws<DataFormatException>(() => SafeTensorsFile.Read(path));
        Assert.Equal(path, e.FileName);
        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), $"{name}: {e.Message}");
    }

    [Fact]
    public void Read_NegativeOffset_NeverReadsHeaderBytesAsWeights()
    {
        using var dir = new TempDirectory();
        string path = dir.File("neg.safetensors");
        File.WriteAllBytes(path, Craft("""{"t":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}""", new byte[4]));
        Assert.Throws<DataFormatException>(() => SafeTensorsFile.Read(path));
    }

    [Theory]
    [InlineData(0xFFFFFFFFFFFFFFFFUL)]
    [InlineData(0x8000000000000000UL)]
    [InlineData(0x7FFFFFFFUL)]
    [InlineData(1000UL)]
    public void Read_RefusesHeaderLengthBeyondTheFile(ulong length)
    {
        using var dir = new TempDirectory();
        string path = dir.File("len.safetensors");
        byte[] bytes = Craft("{}", []);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, length);
        File.WriteAllBytes(path, bytes);
        DataFormatException e = Assert.Throws<DataFormatException>(() => SafeTensorsFile.Read(path));
        Assert.Contains("header length", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_AcceptsWellFormedCraftedFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("ok.safetensors");
        byte[] data = new byte[24];
        BitConverter.GetBytes(1.5f).CopyTo(data, 16);
        File.WriteAllBytes(path, Craft("""{"u":{"dtype":"F32","shape":[2],"data_offsets":[16,24]},"t":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}""", data));
        var (tensors, _) = SafeTensorsFile.Read(path);
        Assert.Equal((2, 2), (tensors["t"].Rows, tensors["t"].Cols));
        Assert.Equal(1.5f, tensors["u"].Data[0]);
    }

    /// <summary>
    /// Byte flips, extreme values and truncations at many positions of a file the project wrote: each read ends in
    /// success or a <see cref="DataFormatException"/>, never another exception type.
    /// </summary>
    [Fact]
    public void Read_MutatedProjectFile_SucceedsOrThrowsDataFormatException()
    {
        using var dir = new TempDirectory();
        string original = dir.File("orig.safetensors");
        SafeTensorsFile.Write(original, FuzzKinds.AdapterTensors(), new Dictionary<string, string> { ["format"] = "pt" });
        byte[] bytes = File.ReadAllBytes(original);
        string path = dir.File("mutated.safetensors");
        var failures = new List<string>();
        int typed = 0;

        // Every single-byte position: one flip of the top bit, one set to '9'; then every truncation length.
        var variants = new List<(string What, byte[] Bytes)>();
        for (int i = 0; i < bytes.Length; i++)
        {
            byte[] f = (byte[])bytes.Clone();
            f[i] ^= 0x80;
            variants.Add(($"flip@{i}", f));
            byte[] g = (byte[])bytes.Clone();
            g[i] = (byte)'9';
            variants.Add(($"nine@{i}", g));
        }

        for (int n = 0; n < bytes.Length; n += 3)
        {
            variants.Add(($"truncate@{n}", bytes[..n]));
        }

        foreach ((string what, byte[] b) in variants)
        {
            File.WriteAllBytes(path, b);
            try
            {
                SafeTensorsFile.Read(path);
            }
            catch (DataFormatException)
            {
                typed++;
            }
            catch (Exception e)
            {
                failures.Add($"{what}: {e.GetType().Name}: {e.Message}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        Assert.True(typed > variants.Count / 4, $"only {typed} of {variants.Count} mutations were refused");
    }

    internal static byte[] Craft(string header, byte[] data)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }
}
