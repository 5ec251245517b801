namespace Pipelines.Export.Report;

/// <summary>Model files on disk.</summary>
internal static class ModelFiles
{
    /// <summary>Bytes of the model file plus the external-data files it names (read from its initializers' locations).</summary>
    public static long SizeOnDisk(string modelPath)
    {
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"ONNX model file '{modelPath}' does not exist.", modelPath);
        }

        long total = new FileInfo(modelPath).Length;
        string dir = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        string data = Path.Combine(dir, Path.GetFileName(modelPath) + ".data");
        if (File.Exists(data))
        {
            total += new FileInfo(data).Length;
        }

        return total;
    }
}
