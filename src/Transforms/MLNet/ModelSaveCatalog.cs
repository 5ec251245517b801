using Microsoft.ML;
using Pipelines.Onnx;

namespace Pipelines;

/// <summary>Catalog extensions for saving ML.NET models (<c>mlContext.Model.SaveAtomically(...)</c>).</summary>
public static class ModelSaveCatalog
{
    /// <summary>
    /// Saves <paramref name="model"/> like <c>mlContext.Model.Save(model, inputSchema, filePath)</c>, but atomically:
    /// the zip is written to a temporary file beside <paramref name="filePath"/> and renamed over it only when complete.
    /// ML.NET's own overload creates the file before asking the transformers to save, so a transformer that fails to
    /// save leaves a partial zip there; this one leaves the target untouched (absent, or its old content).
    /// </summary>
    /// <param name="catalog">The model catalog (<c>mlContext.Model</c>).</param>
    /// <param name="model">The fitted pipeline.</param>
    /// <param name="inputSchema">Its input schema (recorded in the zip), or null.</param>
    /// <param name="filePath">The destination zip.</param>
    public static void SaveAtomically(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema? inputSchema, string filePath)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        AtomicFile.Write(filePath, stream => catalog.Save(model, inputSchema, stream));
    }
}
