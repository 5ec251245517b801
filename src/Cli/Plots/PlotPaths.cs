namespace Pipelines.Cli.Plots;

/// <summary>
/// Where a <c>--plot</c> argument puts its PNGs: an existing folder (or one written with a trailing separator) gets
/// <c>&lt;dir&gt;/&lt;stem&gt;-&lt;kind&gt;.png</c>; anything else is a file prefix, <c>&lt;prefix&gt;-&lt;kind&gt;.png</c>.
/// </summary>
internal static class PlotPaths
{
    /// <summary>The PNG path for one plot <paramref name="kind"/> (e.g. <c>diagram</c>) under <paramref name="target"/>.</summary>
    public static string Resolve(string target, string stem, string kind)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        bool folder = Directory.Exists(target) || target.EndsWith(Path.DirectorySeparatorChar) || target.EndsWith(Path.AltDirectorySeparatorChar);
        string path = folder ? Path.Combine(target, $"{stem}-{kind}.png") : $"{target}-{kind}.png";
        string? parent = Path.GetDirectoryName(Path.GetFullPath(path));
        if (parent is not null)
        {
            Directory.CreateDirectory(parent);
        }

        return path;
    }
}
