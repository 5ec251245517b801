using Microsoft.ML;

namespace Pipelines.Transforms.MLNet;

/// <summary>
/// Builds ML.NET chains with <c>ApplyOnnxModel</c> steps over in-memory ONNX models without leaving files behind.
/// ML.NET's <c>ApplyOnnxModel</c> over a <see cref="Stream"/> writes the graph to a randomly named file in the system
/// temporary folder and never deletes it, not even when the transformer is disposed (checked on ML.NET 5.0.1); over a
/// file path it reads the file and deletes nothing. A chain loaded by <c>mlContext.Model.Load</c>, however, writes
/// each graph to <see cref="MLContext.TempFilePath"/> and deletes it when the chain is disposed. So: each model is
/// written here, to a private folder (<see cref="Add"/>); <see cref="FitAndReload"/> fits the chain over those paths,
/// saves it to memory and loads it back, and <see cref="Dispose"/> deletes the folder. The caller owns the returned
/// chain and disposes it to delete its temporary files.
/// </summary>
public sealed class OnnxModelFiles : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("pipelines-onnx-");
    private int _count;

    /// <summary>Writes <paramref name="model"/> (serialized ONNX) to the private folder.</summary>
    /// <param name="model">The model's bytes.</param>
    /// <returns>The file's path, for <c>ApplyOnnxModel</c>'s file overloads.</returns>
    public string Add(byte[] model)
    {
        ArgumentNullException.ThrowIfNull(model);
        string path = Path.Combine(_folder.FullName, $"model{_count++}.onnx");
        File.WriteAllBytes(path, model);
        return path;
    }

    /// <summary>
    /// Fits <paramref name="chain"/> (whose <c>ApplyOnnxModel</c> steps read files from <see cref="Add"/>) on
    /// <paramref name="input"/>, saves it to memory, disposes it and returns it loaded back in <paramref name="context"/>:
    /// the same steps, scoring identically, whose disposal deletes their temporary copies of the graphs.
    /// </summary>
    /// <param name="context">The context that loads the chain (its <see cref="MLContext.TempFilePath"/> holds the copies).</param>
    /// <param name="chain">The chain.</param>
    /// <param name="input">The data (or an empty view of its schema) to fit on.</param>
    /// <returns>The loaded chain; dispose it when done.</returns>
    public static ITransformer FitAndReload(MLContext context, IEstimator<ITransformer> chain, IDataView input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(input);
        using var saved = new MemoryStream();
        ITransformer fitted = chain.Fit(input);
        using (fitted as IDisposable)
        {
            context.Model.Save(fitted, inputSchema: null, saved);
        }

        saved.Position = 0;
        return context.Model.Load(saved, out _);
    }

    /// <summary>Deletes the private folder (where the file system allows: a file still open on Windows stays).</summary>
    public void Dispose()
    {
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
