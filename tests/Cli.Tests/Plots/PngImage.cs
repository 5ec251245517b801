using System.Buffers.Binary;
using System.IO.Compression;
using Xunit;

namespace Pipelines.Cli.Tests.Plots;

/// <summary>
/// A minimal, independent PNG reader for the plot tests: checks the signature and the IHDR chunk and decodes 8-bit
/// RGB/RGBA non-interlaced images (the five scanline filters) into RGBA pixels. It shares nothing with ScottPlot's
/// encoder (SkiaSharp), so a picture the tests accept is one any PNG reader can read.
/// </summary>
internal sealed class PngImage
{
    private static readonly byte[] s_signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly byte[] _rgba;

    private PngImage(int width, int height, byte[] rgba)
    {
        Width = width;
        Height = height;
        _rgba = rgba;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>The pixel at (column, row) as (R, G, B, A).</summary>
    public (byte R, byte G, byte B, byte A) this[int column, int row]
    {
        get
        {
            int o = ((row * Width) + column) * 4;
            return (_rgba[o], _rgba[o + 1], _rgba[o + 2], _rgba[o + 3]);
        }
    }

    /// <summary>Reads and decodes <paramref name="path"/>; throws <see cref="InvalidDataException"/> naming what is wrong.</summary>
    public static PngImage Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8 || !bytes.AsSpan(0, 8).SequenceEqual(s_signature))
        {
            throw new InvalidDataException($"'{path}': no PNG signature.");
        }

        int offset = 8;
        int width = 0, height = 0, colorType = -1;
        using var idat = new MemoryStream();
        bool first = true;
        while (offset + 12 <= bytes.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset));
            string type = System.Text.Encoding.ASCII.GetString(bytes, offset + 4, 4);
            ReadOnlySpan<byte> data = bytes.AsSpan(offset + 8, length);
            if (first && type != "IHDR")
            {
                throw new InvalidDataException($"'{path}': the first chunk is {type}, not IHDR.");
            }

            first = false;
            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    int depth = data[8];
                    colorType = data[9];
                    if (depth != 8 || (colorType != 2 && colorType != 6) || data[12] != 0)
                    {
                        throw new InvalidDataException($"'{path}': bit depth {depth}, colour type {colorType}, interlace {data[12]} not supported by this reader.");
                    }

                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "IEND":
                    return Decode(path, width, height, colorType == 6 ? 4 : 3, idat.ToArray());
            }

            offset += 12 + length;
        }

        throw new InvalidDataException($"'{path}': no IEND chunk.");
    }

    /// <summary>Just the IHDR size, without decoding.</summary>
    public static (int Width, int Height) ReadSize(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.AsSpan(0, 8).SequenceEqual(s_signature), $"'{path}' has no PNG signature");
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    private static PngImage Decode(string path, int width, int height, int channels, byte[] compressed)
    {
        using var z = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        z.CopyTo(raw);
        byte[] data = raw.ToArray();
        int stride = width * channels;
        if (data.Length != height * (stride + 1))
        {
            throw new InvalidDataException($"'{path}': {data.Length} decompressed bytes, expected {height * (stride + 1)} for {width}×{height}.");
        }

        var previous = new byte[stride];
        var line = new byte[stride];
        var rgba = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
        {
            int filter = data[y * (stride + 1)];
            Array.Copy(data, (y * (stride + 1)) + 1, line, 0, stride);
            for (int i = 0; i < stride; i++)
            {
                int a = i >= channels ? line[i - channels] : 0;
                int b = previous[i];
                int c = i >= channels ? previous[i - channels] : 0;
                line[i] = (byte)(line[i] + filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"'{path}': row {y} has filter type {filter}."),
                });
            }

            for (int x = 0; x < width; x++)
            {
                int o = ((y * width) + x) * 4;
                rgba[o] = line[x * channels];
                rgba[o + 1] = line[(x * channels) + 1];
                rgba[o + 2] = line[(x * channels) + 2];
                rgba[o + 3] = channels == 4 ? line[(x * channels) + 3] : (byte)255;
            }

            (previous, line) = (line, previous);
        }

        return new PngImage(width, height, rgba);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
