namespace Pipelines.Onnx;

/// <summary>Collects large initializers into one external data file (ONNX external data: location, offset, length).</summary>
internal sealed class ExternalDataWriter
{
    /// <summary>Offsets are aligned so readers may memory-map tensors.</summary>
    private const int Alignment = 64;

    private readonly List<(long Offset, byte[] Data)> _chunks = [];
    private long _length;

    public ExternalDataWriter(string location, long threshold)
    {
        Location = location;
        Threshold = threshold;
    }

    public string Location { get; }

    public long Threshold { get; }

    /// <summary>Reserves space for <paramref name="data"/> and returns its offset.</summary>
    public long Add(byte[] data)
    {
        long offset = (_length + Alignment - 1) / Alignment * Alignment;
        _chunks.Add((offset, data));
        _length = offset + data.LongLength;
        return offset;
    }

    public void WriteTo(Stream stream)
    {
        long position = 0;
        foreach ((long offset, byte[] data) in _chunks)
        {
            while (position < offset)
            {
                stream.WriteByte(0);
                position++;
            }

            stream.Write(data);
            position += data.LongLength;
        }
    }
}
