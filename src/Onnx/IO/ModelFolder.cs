using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipelines.Onnx;

/// <summary>
/// A self-describing model folder: <c>model.onnx</c>, the tokenizer files it needs (<c>vocab.txt</c>), adapter files
/// when adapters exist, and <c>pipelines.json</c> (<see cref="ModelManifest"/>), written last. Every command that writes
/// a model writes one; every command that reads one opens it here, so a folder whose files do not match its manifest,
/// or a flag that contradicts it, is refused instead of silently used (<c>docs/formats/model-folder.md</c>).
/// </summary>
public sealed class ModelFolder
{
    /// <summary>The model file of a folder.</summary>
    public const string ModelFileName = "model.onnx";

    /// <summary>The WordPiece vocabulary file of a text model's folder.</summary>
    public const string VocabularyFileName = "vocab.txt";

    /// <summary>The manifest file.</summary>
    public const string ManifestFileName = "pipelines.json";

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private ModelFolder(string directory, string modelPath, string? vocabularyPath, ModelManifest? manifest)
    {
        Directory = directory;
        ModelPath = modelPath;
        VocabularyPath = vocabularyPath;
        Manifest = manifest;
    }

    /// <summary>Gets the folder.</summary>
    public string Directory { get; }

    /// <summary>Gets the ONNX model file.</summary>
    public string ModelPath { get; }

    /// <summary>Gets the vocabulary file (the manifest's, else <c>vocab.txt</c> when present), or null.</summary>
    public string? VocabularyPath { get; }

    /// <summary>Gets the manifest, or null for a folder (or a single file) made elsewhere.</summary>
    public ModelManifest? Manifest { get; }

    /// <summary>Where a conflict message says the recorded value comes from.</summary>
    private string ManifestPath => Path.Combine(Directory, ManifestFileName);

    /// <summary>
    /// Opens a model folder, or the folder around a model file. With a manifest, every file it lists must exist and
    /// match its SHA-256; without one (a model made elsewhere) the model file alone is used.
    /// </summary>
    /// <param name="path">A folder holding <c>model.onnx</c> (or exactly one <c>.onnx</c> file), or an ONNX file.</param>
    /// <exception cref="PipelinesException">(<see cref="ErrorKind.Model"/>) No model there, a manifest of a newer format, or files that do not match the manifest.</exception>
    public static ModelFolder Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string directory;
        string modelPath;
        if (System.IO.Directory.Exists(full))
        {
            directory = full;
            modelPath = Path.Combine(full, ModelFileName);
            if (!File.Exists(modelPath))
            {
                string[] onnx = System.IO.Directory.GetFiles(full, "*.onnx");
                modelPath = onnx.Length == 1 ? onnx[0]
                    : throw new PipelinesException(ErrorKind.Model, $"Folder '{full}' holds {onnx.Length} .onnx files and no {ModelFileName}; name the model file or keep one {ModelFileName} there.");
            }
        }
        else if (File.Exists(full))
        {
            directory = Path.GetDirectoryName(full)!;
            modelPath = full;
        }
        else
        {
            throw new PipelinesException(ErrorKind.Model, $"Model '{full}' does not exist.");
        }

        ModelManifest? manifest = ReadManifest(directory);
        if (manifest is not null && !manifest.Files.ContainsKey(Path.GetFileName(modelPath)))
        {
            manifest = null; // the manifest describes another model of the folder, not this file
        }

        if (manifest is not null)
        {
            Verify(directory, manifest);
        }

        string? vocab = manifest?.Tokenizer is { } t ? Path.Combine(directory, t.Vocabulary) : Path.Combine(directory, VocabularyFileName);
        return new ModelFolder(directory, modelPath, File.Exists(vocab) ? vocab : null, manifest);
    }

    /// <summary>
    /// Writes <paramref name="manifest"/> as <c>pipelines.json</c> into <paramref name="directory"/>, after the files of
    /// the set: <c>model.onnx</c>, the tokenizer's vocabulary when <see cref="ModelManifest.Tokenizer"/> is set, and
    /// <paramref name="otherFiles"/>. Their SHA-256 are computed now into <see cref="ModelManifest.Files"/> (any value
    /// given there is replaced); non-finite metrics are left out. The manifest is written atomically and last, so a
    /// folder whose manifest matches its files is a complete set.
    /// </summary>
    /// <param name="directory">The folder, already holding the files.</param>
    /// <param name="manifest">The manifest.</param>
    /// <param name="otherFiles">Further files of the set (e.g. adapter files), relative to the folder.</param>
    /// <returns>The manifest as written (with hashes).</returns>
    public static ModelManifest Write(string directory, ModelManifest manifest, params IEnumerable<string> otherFiles)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(otherFiles);
        IEnumerable<string> set = [ModelFileName, .. manifest.Tokenizer is { } t ? [t.Vocabulary] : Array.Empty<string>(), .. otherFiles];
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string name in set)
        {
            files[name] = Sha256File(Path.Combine(directory, name));
        }

        // JSON has no NaN: a metric that could not be measured is left out rather than written as a number.
        var metrics = manifest.Metrics.Where(kv => double.IsFinite(kv.Value)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        ModelManifest written = manifest with { FormatVersion = ModelManifest.CurrentFormatVersion, Files = files, Metrics = metrics };
        AtomicFile.WriteAllText(Path.Combine(directory, ManifestFileName), JsonSerializer.Serialize(written, s_json));
        return written;
    }

    /// <summary>Copies this folder's vocabulary into <paramref name="directory"/> (atomically) and describes it, or returns null when there is none.</summary>
    /// <param name="directory">The folder being written.</param>
    /// <param name="maxLength">The maximum tokens per row the written model uses, when known.</param>
    public TokenizerManifest? CopyVocabularyTo(string directory, int? maxLength = null) =>
        VocabularyPath is null ? null : CopyVocabulary(VocabularyPath, directory, Manifest?.Tokenizer?.LowerCase ?? true, maxLength);

    /// <summary>Copies <paramref name="vocabularyPath"/> into <paramref name="directory"/> as <c>vocab.txt</c> (atomically, unless it is already that file) and describes it.</summary>
    /// <param name="vocabularyPath">The vocabulary.</param>
    /// <param name="directory">The folder being written.</param>
    /// <param name="lowerCase">Whether text is lower-cased.</param>
    /// <param name="maxLength">The maximum tokens per row, when known.</param>
    public static TokenizerManifest CopyVocabulary(string vocabularyPath, string directory, bool lowerCase = true, int? maxLength = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(vocabularyPath);
        string target = Path.Combine(directory, VocabularyFileName);
        if (!string.Equals(Path.GetFullPath(vocabularyPath), Path.GetFullPath(target), StringComparison.Ordinal))
        {
            AtomicFile.WriteAllBytes(target, File.ReadAllBytes(vocabularyPath));
        }

        return new TokenizerManifest { Vocabulary = VocabularyFileName, VocabularySha256 = Sha256File(target), LowerCase = lowerCase, MaxLength = maxLength };
    }

    /// <summary>
    /// Refuses a command-line value that contradicts what the manifest records, naming both (e.g. <c>--rank 16</c> on a
    /// folder initialised at rank 8). Does nothing when the flag was not given or the values agree.
    /// </summary>
    /// <param name="option">The flag, e.g. <c>--rank</c>.</param>
    /// <param name="given">The value given on the command line, or null when the flag was not given.</param>
    /// <param name="recorded">The value the manifest records.</param>
    /// <exception cref="PipelinesException">(<see cref="ErrorKind.Usage"/>) The values differ.</exception>
    public void RefuseConflict(string option, string? given, string recorded)
    {
        if (given is not null && !string.Equals(given, recorded, StringComparison.OrdinalIgnoreCase))
        {
            throw new PipelinesException(
                ErrorKind.Usage,
                $"{option} {given} conflicts with '{ManifestPath}', which records {recorded} (written by '{Manifest?.Producer ?? "?"}'); drop {option} to use the folder's value, or start from a fresh folder.");
        }
    }

    /// <summary>Lower-case hex SHA-256 of a file's bytes.</summary>
    /// <param name="path">The file.</param>
    public static string Sha256File(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static ModelManifest? ReadManifest(string directory)
    {
        string path = Path.Combine(directory, ManifestFileName);
        if (!File.Exists(path))
        {
            return null;
        }

        ModelManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(path), s_json)
                ?? throw new PipelinesException(ErrorKind.Model, $"'{path}' is empty.");
        }
        catch (JsonException e)
        {
            throw new PipelinesException(ErrorKind.Model, $"'{path}' is not a model-folder manifest: {e.Message}", e);
        }

        if (manifest.FormatVersion > ModelManifest.CurrentFormatVersion || manifest.FormatVersion < 1)
        {
            throw new PipelinesException(ErrorKind.Model, $"'{path}' has format version {manifest.FormatVersion}; this build reads versions 1..{ModelManifest.CurrentFormatVersion}.");
        }

        return manifest;
    }

    private static void Verify(string directory, ModelManifest manifest)
    {
        foreach ((string name, string sha) in manifest.Files)
        {
            string file = Path.Combine(directory, name);
            if (!File.Exists(file))
            {
                throw new PipelinesException(ErrorKind.Model, $"'{file}' is missing; '{Path.Combine(directory, ManifestFileName)}' lists it as part of the folder written by '{manifest.Producer}'.");
            }

            string actual = Sha256File(file);
            if (!string.Equals(actual, sha, StringComparison.OrdinalIgnoreCase))
            {
                throw new PipelinesException(
                    ErrorKind.Model,
                    $"'{file}' has SHA-256 {actual[..12]}…, but '{Path.Combine(directory, ManifestFileName)}' records {sha[..Math.Min(12, sha.Length)]}… from '{manifest.Producer}': the folder was changed after it was written. Rerun '{manifest.Producer}', or delete {ManifestFileName} to use the files as a model made elsewhere.");
            }
        }
    }
}
