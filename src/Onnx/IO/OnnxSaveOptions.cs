namespace Pipelines.Onnx;

/// <summary>How <see cref="OnnxModelIO.Save(OnnxModel, string, OnnxSaveOptions?)"/> lays out a model on disk.</summary>
public sealed record OnnxSaveOptions
{
    /// <summary>
    /// Initializers of at least this many bytes go to an external data file beside the model (ONNX external data);
    /// <see langword="null"/> keeps everything inside the model file. Models over 2 GiB must use external data.
    /// </summary>
    public long? ExternalDataThreshold { get; init; }

    /// <summary>The external data file's name, relative to the model's folder; defaults to <c>&lt;model file&gt;.data</c>.</summary>
    public string? ExternalDataFileName { get; init; }
}
